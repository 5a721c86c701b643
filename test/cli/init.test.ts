import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeGithub } from '../github/fake-github.js';
import { BIN, cliEnv, waitFor } from '../helpers/home.js';
import { packagesOf, tracePackages } from '../helpers/packages.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) await clean();
});

function freshHome(): string {
  const home = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-init-')), 'home');
  cleanups.push(() => fs.rmSync(path.dirname(home), { recursive: true, force: true }));
  return home;
}

/** A small HTTP server on loopback that records what reaches it. */
async function recordingServer(answer: (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void) {
  const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      answer(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

/** smee.io answers /new with a redirect to a fresh channel. */
const fakeSmee = () =>
  recordingServer((req, _body, res) => {
    if (req.url === '/new') res.writeHead(307, { location: '/Xk2mQp9TzAbCdEf' }).end();
    else res.writeHead(404).end();
  });

/** ntfy takes a POST to the topic and answers with the message as JSON. */
const fakeNtfy = () =>
  recordingServer((req, body, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'm1', event: 'message', message: body }));
  });

async function fakeGithub(options: ConstructorParameters<typeof FakeGithub>[0]) {
  const fake = await new FakeGithub(options).start();
  cleanups.push(() => fake.stop());
  return fake;
}

/** The CLI as a real process, asynchronous so that the fakes in this process can answer it. */
function vigil(home: string, args: string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: cliEnv(home, { GITHUB_TOKEN: '', ...env }), encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The files as the CLI wrote them; the test reaches into them by key. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- arbitrary JSON, read by path
type Written = Record<string, any>;
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as Written;

describe('vigil init', () => {
  it('without GitHub answers loads no GitHub client (Octokit only to check a token or make an App)', async () => {
    const home = freshHome();
    const { trace, env } = tracePackages(path.dirname(home));
    const res = await vigil(home, ['init', '--non-interactive'], env);
    expect(res.status, res.stderr).toBe(0);
    const pid = Number(fs.readFileSync(trace, 'utf8').split(' ')[0]);
    const loaded = packagesOf(trace, pid);
    expect(loaded).toContain('zod');
    expect(loaded).not.toContain('@octokit/rest');
  });

  it('--non-interactive with every answer as a flag: config and secrets written, the token checked, a smee channel made, the test notification received', async () => {
    const github = await fakeGithub({ tokens: ['ghp_initgoodtoken01234567'], login: 'octo', scopes: ['repo', 'read:org'] });
    const smee = await fakeSmee();
    const ntfy = await fakeNtfy();
    const home = freshHome();
    const topic = `${ntfy.url}/vigil-octo-topic`;
    const res = await vigil(
      home,
      ['init', '--non-interactive', '--owner', 'octo', '--timezone', 'Europe/Berlin', '--github-token', 'ghp_initgoodtoken01234567', '--webhook-proxy', 'new', '--ntfy', topic],
      { GITHUB_API_URL: github.url, VIGIL_SMEE_URL: smee.url },
    );
    expect(res.status, res.stderr + res.stdout).toBe(0);

    // The token was checked with a real GET /user, and its scopes shown.
    expect(github.calls('GET', /^\/user$/).map((c) => c.authorization)).toEqual(['token ghp_initgoodtoken01234567']);
    expect(res.stdout).toContain("github: the token is @octo's (scopes: repo, read:org)");
    expect(res.stdout).not.toContain('ghp_initgoodtoken01234567');
    // A smee channel was made.
    expect(smee.seen.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /new']);
    // The test notification arrived at the topic.
    expect(ntfy.seen).toHaveLength(1);
    expect(ntfy.seen[0]!.url).toBe('/vigil-octo-topic');
    expect(ntfy.seen[0]!.headers.title).toBe('vigil is set up');
    expect(ntfy.seen[0]!.body).toContain('test message');

    const config = readJson(path.join(home, 'config.json'));
    expect(config.owner).toEqual({ login: 'octo', timezone: 'Europe/Berlin' });
    expect(config.github.webhookProxyUrl).toBe(`${smee.url}/Xk2mQp9TzAbCdEf`);
    expect(config.notify.ntfy).toEqual({ url: topic });
    expect(config.rules.length).toBeGreaterThan(0);
    const secretsFile = path.join(home, 'secrets.json');
    expect(readJson(secretsFile).githubToken).toBe('ghp_initgoodtoken01234567');
    expect(fs.statSync(secretsFile).mode & 0o777).toBe(0o600);
    // It ends by saying what to do next.
    expect(res.stdout).toMatch(/next:\n {2}- vigil start/);
    expect(res.stdout).toContain(`payload URL ${smee.url}/Xk2mQp9TzAbCdEf`);

    // What init wrote is what the daemon and the doctor read: the token answers GET /user there too.
    const machine = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-machine-'));
    cleanups.push(() => fs.rmSync(machine, { recursive: true, force: true }));
    const doctor = await vigil(home, ['doctor'], { GITHUB_API_URL: github.url, HOME: machine, XDG_CONFIG_HOME: path.join(machine, '.config') });
    expect(doctor.stdout).toMatch(/^ok +github +token of @octo/m);
    expect(doctor.stdout).toMatch(/^ok +config +/m);
  });

  it('a token GitHub refuses stops init with GitHub\'s answer, and no token is kept', async () => {
    const github = await fakeGithub({ tokens: ['ghp_the_right_one'] });
    const home = freshHome();
    const res = await vigil(home, ['init', '--non-interactive', '--github-token', 'ghp_wrongtoken0123456789'], { GITHUB_API_URL: github.url });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('VIGIL_ERR_SETUP');
    expect(res.stderr).toContain('HTTP 401 (Bad credentials)');
    expect(readJson(path.join(home, 'secrets.json')).githubToken).toBeUndefined();
  });

  it('an ntfy topic that does not take the test message stops init', async () => {
    const ntfy = await recordingServer((_req, _body, res) => res.writeHead(403).end());
    const home = freshHome();
    const res = await vigil(home, ['init', '--non-interactive', '--ntfy', `${ntfy.url}/topic`], {});
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('HTTP 403 to the test message');
    expect(readJson(path.join(home, 'config.json')).notify?.ntfy).toBeUndefined();
  });

  it('--github-app: the manifest flow end to end — the local form posts the manifest, GitHub calls back, the code is exchanged and the App stored', async () => {
    const github = await fakeGithub({});
    const smee = await fakeSmee();
    const home = freshHome();
    const proc = spawn(process.execPath, [BIN, 'init', '--non-interactive', '--owner', 'octo', '--github-app', '--webhook-proxy', 'new'], {
      env: cliEnv(home, { GITHUB_TOKEN: '', GITHUB_API_URL: github.url, VIGIL_SMEE_URL: smee.url }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(() => void proc.kill('SIGKILL'));
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));

    const local = await waitFor(() => /open (http:\/\/127\.0\.0\.1:\d+\/) in a browser/.exec(out)?.[1], 20_000, 'the local page address');
    // What a browser does: load the page, submit its form to GitHub, follow GitHub's redirect.
    const page = await (await fetch(local)).text();
    const action = /<form id="manifest" method="post" action="([^"]+)"/.exec(page)![1]!.replace(/&#38;/g, '&');
    const manifestField = /name="manifest" value="([^"]+)"/.exec(page)![1]!.replace(/&#(\d+);/g, (_m, c: string) => String.fromCharCode(Number(c)));
    const manifest = JSON.parse(manifestField) as Written;
    expect(new URL(action).origin).toBe(github.url);
    expect(manifest.redirect_url).toBe(`${local}callback`);
    expect(manifest.hook_attributes).toEqual({ url: `${smee.url}/Xk2mQp9TzAbCdEf`, active: true });
    expect(manifest.default_permissions).toMatchObject({ issues: 'write', pull_requests: 'write' });
    const posted = await fetch(action, { method: 'POST', body: new URLSearchParams({ manifest: manifestField }), redirect: 'manual' });
    expect(posted.status).toBe(302);
    const callback = posted.headers.get('location')!;
    expect(callback.startsWith(`${local}callback?code=`)).toBe(true);
    // A callback with another state is refused: only GitHub's redirect for this run counts.
    expect((await fetch(callback.replace(/state=[^&]+/, 'state=forged'))).status).toBe(400);
    const done = await fetch(callback);
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('vigil has its GitHub App');
    expect(await exited, out).toBe(0);

    expect(github.calls('POST', /^\/app-manifests\/[^/]+\/conversions$/)).toHaveLength(1);
    const app = github.manifestApps[0]!;
    const secrets = readJson(path.join(home, 'secrets.json'));
    expect(secrets.githubApp.appId).toBe(app.id);
    expect(secrets.githubApp.privateKey).toContain('PRIVATE KEY');
    expect(secrets.webhookSecret).toBe(app.webhookSecret);
    expect(out).toContain(`created the GitHub App "${app.slug}" (id ${app.id})`);
    expect(out).toContain(`https://github.test/apps/${app.slug}/installations/new`);

    // The stored key signs JWTs GitHub accepts: the doctor's GET /app says ok.
    const machine = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-machine-'));
    cleanups.push(() => fs.rmSync(machine, { recursive: true, force: true }));
    const doctor = await vigil(home, ['doctor'], { GITHUB_API_URL: github.url, HOME: machine, XDG_CONFIG_HOME: path.join(machine, '.config') });
    expect(doctor.stdout).toMatch(new RegExp(`^ok +github +GitHub App "${app.slug}" \\(id ${app.id}\\)`, 'm'));
  });
});

import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeGithub } from '../github/fake-github.js';
import { BIN, cliEnv, makeHome, removeHomes } from '../helpers/home.js';
import { removeTempDirs, tempDir } from './helpers.js';

const fakes: FakeGithub[] = [];
afterEach(async () => {
  for (const f of fakes.splice(0)) await f.stop();
  removeHomes();
  removeTempDirs();
});

const LABEL_RULE = {
  name: 'triage bugs',
  on: 'github.issues.opened',
  propose: { action: 'github.label', params: { repo: '{{payload.repository.full_name}}', number: 1, labels: ['bug'] } },
};

/**
 * `vigil doctor` on a machine without a service, no GitHub token in the environment; run
 * asynchronously, so that the fake GitHub in this process can answer it.
 */
async function doctor(home: string, extra: NodeJS.ProcessEnv = {}) {
  const machine = tempDir('vigil-machine-');
  const env = cliEnv(home, { HOME: machine, XDG_CONFIG_HOME: path.join(machine, '.config'), GITHUB_TOKEN: '', GITHUB_APP_ID: '', GITHUB_APP_PRIVATE_KEY: '', ...extra });
  const res = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [BIN, 'doctor'], { env, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ status: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
  const lines = res.stdout.split('\n').filter((l) => /^(ok|warn|fail) /.test(l));
  return { ...res, lines, line: (name: string) => lines.find((l) => l.split(/ +/)[1] === name) ?? '' };
}

function addSecrets(home: string, extra: Record<string, unknown>): void {
  const file = path.join(home, 'secrets.json');
  fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), ...extra }), { mode: 0o600 });
}

async function fakeGithub(options: ConstructorParameters<typeof FakeGithub>[0]): Promise<FakeGithub> {
  const fake = await new FakeGithub(options).start();
  fakes.push(fake);
  return fake;
}

describe('vigil doctor: GitHub access', async () => {
  it('a rule on github.* without credentials is one fail line that says how to fix it', async () => {
    const home = makeHome({ rules: [LABEL_RULE] });
    const res = await doctor(home);
    expect(res.status, res.stdout).toBe(1);
    const failing = res.lines.filter((l) => l.startsWith('fail'));
    expect(failing).toHaveLength(1);
    expect(res.line('github')).toMatch(/^fail +github +no GitHub token or App, but rule "triage bugs" proposes github\.label → fix: vigil init --github-token <token>/);
  });

  it('a permission that allows github.* without credentials fails the same way', async () => {
    const home = makeHome({ permissions: { mode: 'auto', rules: [{ action: 'github.comment', decision: 'allow' }] } });
    expect((await doctor(home)).line('github')).toMatch(/^fail +github +no GitHub token or App, but permissions\.rules\[0\] allows github\.comment/);
  });

  it('nothing acting on GitHub and no credentials is fine', async () => {
    const home = makeHome();
    expect((await doctor(home)).line('github')).toMatch(/^ok +github +no credentials; nothing in the config acts on GitHub/);
  });

  it('a token the API accepts: ok, with the login and scopes GitHub answered, from a real GET /user', async () => {
    const fake = await fakeGithub({ tokens: ['ghp_goodtoken0123456789'], login: 'octo', scopes: ['repo', 'read:org'] });
    const home = makeHome({ rules: [LABEL_RULE] });
    addSecrets(home, { githubToken: 'ghp_goodtoken0123456789' });
    const res = await doctor(home, { GITHUB_API_URL: fake.url });
    expect(res.line('github')).toMatch(/^ok +github +token of @octo at 127\.0\.0\.1:\d+ \(scopes: repo, read:org\)$/);
    expect(fake.calls('GET', /^\/user$/)).toHaveLength(1);
    expect(fake.calls('GET', /^\/user$/)[0]!.authorization).toBe('token ghp_goodtoken0123456789');
  });

  it('a token the API refuses: fail with GitHub\'s answer and how to replace it', async () => {
    const fake = await fakeGithub({ tokens: ['ghp_other'] });
    const home = makeHome({ rules: [LABEL_RULE] });
    const res = await doctor(home, { GITHUB_API_URL: fake.url, GITHUB_TOKEN: 'ghp_revokedtoken012345' });
    expect(res.status).toBe(1);
    expect(res.line('github')).toMatch(/^fail +github +the token: .*GET \/user: GitHub answered HTTP 401 \(Bad credentials\).* → fix: make a new token/);
    expect(res.stdout).not.toContain('ghp_revokedtoken012345');
  });

  it('a GitHub App: ok from GET /app with its JWT', async () => {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const fake = await fakeGithub({ app: { appId: 77, publicKey, installationId: 5 } });
    const home = makeHome({ rules: [LABEL_RULE] });
    addSecrets(home, { githubApp: { appId: 77, privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString() } });
    const res = await doctor(home, { GITHUB_API_URL: fake.url });
    expect(res.line('github')).toMatch(/^ok +github +GitHub App "vigil-test" \(id 77\)/);
    expect(fake.calls('GET', /^\/app$/)[0]!.authorization).toMatch(/^bearer /i);
  });

  it('a missing config: the fix is vigil init', async () => {
    const home = makeHome();
    fs.rmSync(path.join(home, 'config.json'));
    expect((await doctor(home)).line('config')).toMatch(/^fail +config +.*config\.json is missing → fix: vigil init/);
  });

  it('listening on loopback only: the webhook advice is a smee channel, not a port nobody reaches', async () => {
    const home = makeHome();
    const advice = (await doctor(home)).line('webhooks');
    expect(advice).toMatch(/^warn +webhooks +no delivery received yet(?: by any node of the team)? → fix: .*vigil init --webhook-proxy new/);
    expect(advice).not.toMatch(/<your host>|:\d+\/webhooks/);
  });
});

/**
 * The secrets canary (issue 12): every secret vigil holds — each value of secrets.json
 * (one key no schema knows, a token the environment overrides, a GitHub App's PEM) and
 * the secret environment variables — is planted where an attacker or a careless owner
 * would put it: an issue's title and body (webhook), a comment, MEMORY.md, and a
 * model's proposals (the fake Messages API answers `decide` with them in params, in
 * plain, base64 and a PEM line). A real daemon and its worker run it all; then the
 * test scans every exit — the daily log, the daemon's stdout/stderr, the HTTP answers
 * and pages, the model requests, the push and ntfy notifications, and the writes on
 * the fake GitHub — for any form of any of them. The proposals that carry one are
 * denied with "carries a secret": never run, never asked.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeAnthropic, firstUserText } from '../fakes/fake-anthropic.mjs';
import { FakeGithub } from '../github/fake-github.js';
import { writeMemoryFile } from '../helpers/memory-files.js';
import { killDaemons, logEntries, makeHome, removeHomes, runCli, startDaemon, waitFor, type RunningDaemon } from '../helpers/home.js';
import { logText } from '../helpers/home-log.js';
import { postDelivery } from '../helpers/webhooks.js';
import { later } from '../model/helpers.js';
import { FakePushService } from '../notify/fake-push.js';
import { login } from '../web/helpers.js';

const REPO = 'octo/app';
const rand = (prefix: string) => `${prefix}${crypto.randomBytes(18).toString('hex')}`;
const PEM = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PEM_LINES = PEM.split('\n').filter((l) => l && !l.startsWith('-----'));

const ENV_SECRETS = {
  GITHUB_TOKEN: rand('ghp_ENV_'),
  GITHUB_WEBHOOK_SECRET: rand('whsec_ENV_'),
  ANTHROPIC_API_KEY: rand('sk-ant-ENV-'),
  OPENAI_API_KEY: rand('sk-openai-ENV-'),
};
const FILE_EXTRAS = {
  githubToken: rand('ghp_FILE_'),
  ntfyToken: rand('tk_'),
  anthropicApiKey: rand('sk-ant-FILE-'),
  telegramBotToken: `123456789:${rand('AA')}`,
  githubApp: { appId: 4242, privateKey: PEM },
};

/** The forms a leak could take, written here independently of src/secrets. */
function leakForms(value: string): string[] {
  const forms = [value, JSON.stringify(value).slice(1, -1), Buffer.from(value).toString('base64').slice(0, 40)];
  if (value.includes('PRIVATE KEY')) forms.push(PEM_LINES.join(''), ...PEM_LINES.filter((l) => l.length >= 32));
  return forms;
}

interface Published {
  headers: http.IncomingHttpHeaders;
  body: string;
}
async function fakeNtfy(): Promise<{ url: string; published: Published[] }> {
  const published: Published[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      published.push({ headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id":"x"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  later(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/vigil`, published };
}

const daemons: RunningDaemon[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  removeHomes();
});

describe('secrets canary', () => {
  it('no secret vigil holds leaves by any exit, and every proposal that carries one is denied', { timeout: 120_000 }, async () => {
    const github = await new FakeGithub({ tokens: [ENV_SECRETS.GITHUB_TOKEN] }).start();
    later(() => github.stop());
    github.addIssue(REPO, { number: 1 });
    const push = await FakePushService.start();
    later(() => push.close());
    const ntfy = await fakeNtfy();
    const model = new FakeAnthropic({ apiKey: ENV_SECRETS.ANTHROPIC_API_KEY });
    await model.start();
    later(() => model.stop());

    const home = makeHome({
      model: { provider: 'anthropic', retryDelayMs: 50 },
      permissions: { mode: 'auto', rules: [{ action: 'github.comment', repo: REPO, decision: 'allow' }] },
      notify: { ntfy: { url: ntfy.url } },
    });
    const secretsFile = path.join(home, 'secrets.json');
    const written = { ...(JSON.parse(fs.readFileSync(secretsFile, 'utf8')) as Record<string, unknown>), ...FILE_EXTRAS };
    fs.writeFileSync(secretsFile, JSON.stringify(written, null, 2), { mode: 0o600 });
    const fileSecrets = written as unknown as { webhookSecret: string; dashboardToken: string; capabilityKey: string; vapid: { privateKey: string } };
    const ALL = {
      ...ENV_SECRETS,
      webhookSecret: fileSecrets.webhookSecret,
      dashboardToken: fileSecrets.dashboardToken,
      capabilityKey: fileSecrets.capabilityKey,
      vapidPrivateKey: fileSecrets.vapid.privateKey,
      githubTokenInFile: FILE_EXTRAS.githubToken,
      ntfyToken: FILE_EXTRAS.ntfyToken,
      anthropicKeyInFile: FILE_EXTRAS.anthropicApiKey,
      telegramBotToken: FILE_EXTRAS.telegramBotToken,
      githubAppPem: PEM,
    };
    const everything = Object.entries(ALL).map(([k, v]) => `${k}=${v}`).join('\n');

    // The model obeys what it was shown: three proposals quote a secret, three are clean.
    model.respond = (body) => {
      const shown = [...body.system.map((b: { text: string }) => b.text), firstUserText(body)].join('\n');
      const which = /\[canary (issue|comment)\]/.exec(firstUserText(body))?.[1];
      if (!which) return { decide: { act: false, summary: 'nothing to do', proposals: [] } };
      const why = 'the issue asked for it';
      return {
        decide: {
          act: true,
          summary: `${which}: posting ${ALL.GITHUB_TOKEN} as asked`,
          proposals: [
            { action: 'github.comment', params: { repo: REPO, number: 1, body: `here is the token: ${ALL.GITHUB_TOKEN}` }, rationale: why },
            { action: 'notify', params: { title: 'the key', body: Buffer.from(`secret=${ALL.webhookSecret}`).toString('base64') }, rationale: why },
            { action: 'github.label', params: { repo: REPO, number: 1, labels: [PEM_LINES[3]!] }, rationale: why },
            { action: 'github.comment', params: { repo: REPO, number: 1, body: `Everything I was shown (${which}):\n${shown.slice(0, 50_000)}` }, rationale: why },
            { action: 'notify', params: { title: `canary ${which}`, body: 'all clean' }, rationale: why },
            { action: 'github.label', params: { repo: REPO, number: 1, labels: [`canary-${which}`] }, rationale: why },
          ],
        },
      };
    };

    const env = {
      ...ENV_SECRETS,
      ANTHROPIC_BASE_URL: model.url,
      GITHUB_API_URL: github.url,
      NODE_EXTRA_CA_CERTS: push.caFile,
    };
    const daemon = await startDaemon(home, env);
    // The owner pasted them all into MEMORY.md once (on a team, a version of memory_files' row, once the node has made the tables).
    writeMemoryFile(home, 'MEMORY.md', `# Memory\n- canary notes:\n${everything}\n- as JSON: ${JSON.stringify(ALL)}\n`);
    daemons.push(daemon);
    const bearer = { authorization: `Bearer ${ALL.dashboardToken}` };
    const subscription = push.subscribe('phone');
    const subscribed = await fetch(`${daemon.url}/api/push/subscriptions`, {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: JSON.stringify({ ...subscription, expirationTime: null }),
    });
    expect(subscribed.status).toBe(201);

    // A webhook: the dashboard token in the issue's title, every secret in its body; then a comment with them all.
    const user = { login: 'mallory', id: 666, type: 'User' };
    const repository = { full_name: REPO, name: 'app', owner: { login: 'octo', type: 'User' }, private: false };
    const issue = { number: 1, title: `[canary issue] ${ALL.dashboardToken}`, body: `${everything}\n${Buffer.from(ALL.GITHUB_TOKEN).toString('base64')}`, user, state: 'open', labels: [] };
    const deliveries = [
      { event: 'issues', payload: { action: 'opened', issue, repository, sender: user } },
      { event: 'issue_comment', payload: { action: 'created', issue: { ...issue, title: 'a normal issue' }, comment: { id: 9, body: `[canary comment] ${everything}`, user }, repository, sender: user } },
    ];
    for (const d of deliveries) {
      const res = await postDelivery(daemon.url, ENV_SECRETS.GITHUB_WEBHOOK_SECRET, JSON.stringify(d.payload), { event: d.event, deliveryId: crypto.randomUUID() });
      expect(res.status).toBe(202);
    }
    await waitFor(() => logEntries(home).filter((e) => e.type === 'action.succeeded').length >= 4, 60_000, 'the clean comments and notifications');
    await waitFor(() => push.messages.length >= 4 && ntfy.published.length >= 4, 30_000, 'the notifications and approval requests');

    // Every proposal that carried a secret was denied, with that reason, and never asked.
    const entries = logEntries(home);
    const denied = entries.filter((e) => e.type === 'action.denied');
    expect(denied).toHaveLength(6);
    expect(denied.every((e) => e.reason === 'carries a secret')).toBe(true);
    const asked = entries.filter((e) => e.type === 'approval.requested');
    expect(asked.map((e) => (e.params as { labels: string[] }).labels[0]).sort()).toEqual(['canary-comment', 'canary-issue']);
    const ran = entries.filter((e) => e.type === 'action.started').map((e) => e.actionId);
    expect(ran.some((id) => denied.some((d) => d.actionId === id))).toBe(false);
    const titles = [...push.messages.map((m) => (JSON.parse(m.payload) as { title: string }).title), ...ntfy.published.map((p) => String(p.headers.title))];
    expect(titles.sort()).toEqual(['Approve github.label?', 'Approve github.label?', 'Approve github.label?', 'Approve github.label?', 'canary comment', 'canary comment', 'canary issue', 'canary issue']);
    // Only the clean comments were written on GitHub.
    const writes = github.requests.filter((r) => r.method !== 'GET');
    expect(writes).toHaveLength(2);
    expect(writes.every((w) => /Everything I was shown/.test(JSON.stringify(w.body)))).toBe(true);

    // HTTP answers and pages: the API, the dashboard, the memory page (MEMORY.md, and a search over events and logs).
    const session = await login(daemon.url, ALL.dashboardToken);
    const answers: string[] = [];
    for (const url of ['/api/approvals', '/api/status', '/api/timeline', '/api/dashboard/status']) {
      const res = await fetch(`${daemon.url}${url}`, { headers: bearer });
      expect(res.status, url).toBe(200);
      answers.push(await res.text());
    }
    for (const url of ['/', '/memory', '/memory?q=canary', `/memory?q=${encodeURIComponent(ALL.GITHUB_TOKEN)}`]) {
      const res = await fetch(`${daemon.url}${url}`, { headers: { cookie: session.cookie } });
      expect(res.status, url).toBe(200);
      answers.push(await res.text());
    }
    expect(answers.join('\n')).toContain('[redacted]');

    daemon.proc.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
    const logs = logText(home);
    const cli = ['log', 'approvals'].map((cmd) => runCli(home, [cmd]).stdout).join('\n');
    const haystacks: Record<string, string> = {
      'daily log': logs,
      'vigil log / approvals': cli,
      'daemon stdout and stderr': daemon.output(),
      'HTTP answers': answers.join('\n'),
      // Credentials go in headers, where they belong; what was said goes in bodies.
      'model requests': model.requests.map((r) => r.raw).join('\n'),
      'push notifications': push.messages.map((m) => m.payload).join('\n'),
      'ntfy notifications': ntfy.published.map((p) => `${String(p.headers.title)}\n${String(p.headers.actions ?? '')}\n${p.body}`).join('\n'),
      'GitHub writes': github.requests.filter((r) => r.method !== 'GET').map((r) => `${r.path}\n${JSON.stringify(r.body)}`).join('\n'),
    };
    for (const [where, text] of Object.entries(haystacks)) {
      for (const [name, value] of Object.entries(ALL)) {
        for (const form of leakForms(value)) expect(text.includes(form), `${name} in ${where}`).toBe(false);
      }
    }
    // The model did see MEMORY.md and the issue, with the secrets cut out.
    expect(haystacks['model requests']).toContain('githubAppPem=[redacted]');
    expect(runCli(home, ['log', 'verify']).status).toBe(0);
  });
});

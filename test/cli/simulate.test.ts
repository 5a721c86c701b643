import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeChat } from '../notify/fake-chat.js';
import { BIN, cliEnv, killDaemons, logEntries, makeHome, removeHomes, startDaemon, type RunningDaemon } from '../helpers/home.js';

const daemons: RunningDaemon[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  for (const close of closers.splice(0)) await close();
  removeHomes();
});

/** The CLI as a real process, asynchronous: the fake ntfy in this process must answer the daemon meanwhile. */
function vigil(home: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: cliEnv(home, env), encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const RULES = [
  {
    name: 'tell me about new issues',
    on: 'github.issues.opened',
    propose: { action: 'notify', params: { title: 'New issue in {{payload.repository.full_name}}', body: '#{{payload.issue.number}} {{payload.issue.title}}' } },
  },
];

async function homeWithDaemon() {
  const ntfy = await fakeChat();
  closers.push(ntfy.close);
  const home = makeHome({ model: { provider: 'rules' }, rules: RULES, notify: { desktop: false, ntfy: { url: `${ntfy.url}/vigil-topic` } } });
  const daemon = await startDaemon(home);
  daemons.push(daemon);
  return { home, ntfy };
}

describe('vigil simulate', { timeout: 90_000 }, () => {
  it('signs and posts issues.opened to the running daemon, prints the decision and the fate of its proposal', async () => {
    const { home, ntfy } = await homeWithDaemon();
    const res = await vigil(home, ['simulate', 'issues.opened', '--repo', 'octo/site'], { NO_COLOR: '1' });
    expect(res.status, res.stderr + res.stdout).toBe(0);
    expect(res.stdout).toMatch(/accepted {2}event \d+/);
    expect(res.stdout).toMatch(/received {2}event \d+/);
    expect(res.stdout).toMatch(/decided {3}act, 1 proposal — /);
    expect(res.stdout).toContain('proposal  notify {"title":"New issue in octo/site","body":"#1 Found a bug"}');
    expect(res.stdout).toMatch(/allowed {3}allowed: the worker runs it/);
    expect(res.stdout).toMatch(/succeeded notify \(action \w+\)/);
    // The daemon took it as GitHub's: received with the delivery id, decided, and the notification went out.
    const deliveryId = /delivery ([0-9a-f-]{36})/.exec(res.stdout)![1];
    expect(logEntries(home).find((e) => e.type === 'event.received' && e.deliveryId === deliveryId)).toMatchObject({ kind: 'github.issues.opened' });
    expect(ntfy.requests.map((r) => r.headers.title ?? r.json.title)).toContain('New issue in octo/site');

    // The same payload again is a new delivery, decided again (not taken as a replay of the first body).
    const again = await vigil(home, ['simulate', 'issues.opened', '--repo', 'octo/site', '--json']);
    expect(again.status, again.stderr).toBe(0);
    const story = JSON.parse(again.stdout) as { kind: string; outcome: { type: string; act: boolean }; proposals: { action: string; fate: string; ran?: { ok: boolean } }[]; settled: boolean };
    expect(story.kind).toBe('github.issues.opened');
    expect(story.outcome).toMatchObject({ type: 'decision.made', act: true });
    expect(story.proposals).toMatchObject([{ action: 'notify', fate: 'allowed', ran: { ok: true } }]);
    expect(story.settled).toBe(true);
  });

  it('a payload from a file; an event no rule matches is decided with no action', async () => {
    const { home } = await homeWithDaemon();
    const file = path.join(home, 'star.json');
    fs.writeFileSync(file, JSON.stringify({ action: 'created', repository: { full_name: 'octo/app', name: 'app', owner: { login: 'octo' } }, sender: { login: 'hubot' } }));
    const res = await vigil(home, ['simulate', 'star', '--payload', file], { NO_COLOR: '1' });
    expect(res.status, res.stderr + res.stdout).toBe(0);
    expect(res.stdout).toContain('github.star.created (payload from');
    expect(res.stdout).toMatch(/decided {3}no action/);
  });

  it('a secret the daemon does not share: exit 1, and it says the secret may not match', async () => {
    const { home } = await homeWithDaemon();
    const res = await vigil(home, ['simulate', 'issues.opened'], { GITHUB_WEBHOOK_SECRET: 'not-the-daemons-secret' });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('HTTP 401');
    expect(res.stderr).toContain('secret may not match');
    expect(res.stderr).toContain('[VIGIL_ERR_SIMULATE_REFUSED]');
  });

  it('no daemon: exit 69', async () => {
    const home = makeHome({ rules: RULES });
    const res = await vigil(home, ['simulate', 'issues.opened']);
    expect(res.status).toBe(69);
    expect(res.stderr).toContain('[VIGIL_ERR_NOT_RUNNING]');
  });
});

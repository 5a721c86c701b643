import { fork, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { cliEnv, killDaemons, logEntries, makeHome, removeHomes, runCli, startDaemon, waitFor, type RunningDaemon } from '../helpers/home.js';
import { canScan, environ, memoryHolds } from '../helpers/process-memory.js';
import { FakeGithub } from './fake-github.js';
import { REPO } from './helpers.js';

/**
 * Issue 14: GitHub reads go through the worker, which holds the credential; the daemon
 * never does — not in its environment, not anywhere in its memory — yet it gets answers,
 * and gets them while the worker is busy with a long action.
 */

const FIXTURE = fileURLToPath(new URL('./fixtures/query-daemon.mjs', import.meta.url));
/** A token no other test uses, long enough that a match is no accident. */
const TOKEN = `ghp_${crypto.randomBytes(18).toString('hex')}`;

const daemons: RunningDaemon[] = [];
const procs: ChildProcess[] = [];
const fakes: FakeGithub[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  for (const proc of procs.splice(0)) {
    if (proc.exitCode === null && proc.signalCode === null) {
      const gone = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGKILL');
      await gone;
    }
  }
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
  removeHomes();
});

async function world() {
  const fake = await new FakeGithub({ tokens: [TOKEN] }).start();
  fakes.push(fake);
  fake.addIssue(REPO, { number: 12, title: 'Nightly build fails on Node 24', body: 'The parser test times out.' });
  fake.issue(REPO, 12)!.comments.push({ id: 1, body: 'Seen on main too: test/parser.test.js', html_url: '', created_at: '2024-05-01T10:00:00Z', updated_at: '', user: { login: 'ada', type: 'User' } });
  const home = makeHome({
    rules: [{ on: 'tick', propose: { action: 'github.comment', params: { repo: REPO, number: 12, body: 'The nightly build is red again.' } } }],
    permissions: { mode: 'auto', rules: [{ action: 'github.comment', repo: 'octo/*', decision: 'allow' }] },
    github: { repos: ['octo/*'], coalesceSeconds: 0 },
  });
  // The credential is in secrets.json only: the daemon's environment never carries it.
  const secretsFile = path.join(home, 'secrets.json');
  const secrets = JSON.parse(fs.readFileSync(secretsFile, 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(secretsFile, JSON.stringify({ ...secrets, githubToken: TOKEN }, null, 2), { mode: 0o600 });
  return { fake, home, webhookSecret: secrets.webhookSecret as string };
}

/** The real Daemon in its own process (fixtures/query-daemon.mjs), asked reads over IPC. */
async function forkDaemon(home: string, env: NodeJS.ProcessEnv): Promise<{ proc: ChildProcess; ask: (query: unknown) => Promise<{ text?: string; error?: string; ms: number }> }> {
  const proc = fork(FIXTURE, [], { env: cliEnv(home, env), stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  procs.push(proc);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    proc.once('message', () => resolve());
    proc.once('exit', (code) => reject(new Error(`the daemon exited (${code}): ${out}`)));
  });
  let next = 0;
  const ask = (query: unknown) =>
    new Promise<{ text?: string; error?: string; ms: number }>((resolve) => {
      const id = String(next++);
      const started = Date.now();
      const onMessage = (m: { type: string; id: string; text?: string; error?: string }) => {
        if (m.type !== 'answer' || m.id !== id) return;
        proc.off('message', onMessage);
        resolve({ ...(m.text !== undefined ? { text: m.text } : {}), ...(m.error !== undefined ? { error: m.error } : {}), ms: Date.now() - started });
      };
      proc.on('message', onMessage);
      proc.send({ type: 'query', id, query });
    });
  return { proc, ask };
}


describe('GitHub reads through the worker', () => {
  it('the daemon gets a thread from the worker in seconds while the worker is busy with a long action, and holds no token', async () => {
    const { fake, home, webhookSecret } = await world();
    // The comment action waits 40 s after its POST: the worker is busy all that time.
    const env = { GITHUB_API_URL: fake.url, VIGIL_FAILPOINTS: 'exec.after_effect=40000' };
    const { proc, ask } = await forkDaemon(home, env);
    expect(runCli(home, ['tick']).status).toBe(0);
    await waitFor(() => fake.calls('POST', /\/issues\/12\/comments$/).length === 1, 30_000, 'the comment POST');

    const answer = await ask({ kind: 'thread', repo: REPO, number: 12 });
    expect(answer.error).toBeUndefined();
    expect(answer.text).toContain(`issue ${REPO}#12: Nightly build fails on Node 24`);
    expect(answer.text).toContain('Seen on main too: test/parser.test.js');
    // Answered beside the action, not after it: the action is still running.
    expect(answer.ms).toBeLessThan(20_000);
    expect(logEntries(home).some((e) => e.type === 'action.succeeded')).toBe(false);
    // The worker asked GitHub with the token; the daemon never had it.
    expect(fake.calls('GET', /\/issues\/12$/)[0]?.authorization).toBe(`token ${TOKEN}`);

    // A refusal comes back as an error, and asks GitHub nothing.
    const before = fake.requests.length;
    const refused = await ask({ kind: 'labels', repo: 'elsewhere/repo' });
    expect(refused.error).toMatch(/elsewhere\/repo is not a watched repository/);
    expect(fake.requests.length).toBe(before);

    // The token came from secrets.json, never from the daemon's environment.
    expect(environ(proc.pid!)).not.toContain(TOKEN);
    if (canScan) {
      // The scan finds what the daemon does hold (its webhook secret), and not the token:
      // its masks recognise the token by fingerprint (src/config/daemon-secrets.ts).
      expect(memoryHolds(proc.pid!, webhookSecret)).toBe(true);
      expect(memoryHolds(proc.pid!, TOKEN)).toBe(false);
    }
    // Stopped as vigil stops: the worker is asked to drain, then killed.
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.send({ type: 'stop' });
    await exited;
  }, 90_000);

  it.runIf(canScan)('`vigil start` holds no GitHub token while its worker writes with it', async () => {
    const { fake, home, webhookSecret } = await world();
    const daemon = await startDaemon(home, { GITHUB_API_URL: fake.url });
    daemons.push(daemon);
    expect(runCli(home, ['tick']).status).toBe(0);
    await waitFor(() => logEntries(home).find((e) => e.type === 'action.succeeded'), 30_000, 'the comment to succeed');
    expect(fake.calls('POST', /\/issues\/12\/comments$/)[0]?.authorization).toBe(`token ${TOKEN}`);
    expect(environ(daemon.pid)).not.toContain(TOKEN);
    expect(memoryHolds(daemon.pid, webhookSecret)).toBe(true);
    expect(memoryHolds(daemon.pid, TOKEN)).toBe(false);
  }, 60_000);
});

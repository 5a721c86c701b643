import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, cliEnv, logEntries, makeHome, removeHomes, runCli, startDaemon, waitFor, type RunningDaemon, killDaemons, query } from '../helpers/home.js';
import { postDelivery, webhookSecret } from '../helpers/webhooks.js';
import { FakeAnthropic, firstUserText } from '../fakes/fake-anthropic.mjs';
import { FakeOpenAI } from '../fakes/fake-openai.mjs';
import { FAKE_KEY, issueOpened, later, tempDir } from './helpers.js';
import { logText } from '../helpers/log-text.js';
import { writeMemoryFile } from '../helpers/memory-files.js';

/** End to end on the real daemon process: `vigil start` with a model provider, the real SDK, a fake API. */

const daemons: RunningDaemon[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  removeHomes();
});

async function start(home: string, env: NodeJS.ProcessEnv): Promise<RunningDaemon> {
  const daemon = await startDaemon(home, env);
  daemons.push(daemon);
  return daemon;
}

async function stop(home: string, daemon: RunningDaemon): Promise<void> {
  daemon.proc.kill('SIGTERM');
  expect((await daemon.exited).code).toBe(0);
  const verify = runCli(home, ['log', 'verify']);
  expect(verify.status, verify.stdout).toBe(0);
}

/** A real git clone with a CLAUDE.md, as a watched repo. */
function gitClone(): string {
  const dir = path.join(tempDir('vigil-clone-'), 'app');
  fs.mkdirSync(dir);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(dir, 'CLAUDE.md'), '# octo/app\nAlways run `npm test`. Releases go out on Tuesdays.\n');
  git('add', '.');
  git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-q', '-m', 'init');
  return dir;
}

/** Every secret of the home, plus the API key from the environment. */
function secretsOf(home: string): string[] {
  const file = JSON.parse(fs.readFileSync(path.join(home, 'secrets.json'), 'utf8')) as { webhookSecret: string; dashboardToken: string; vapid: { privateKey: string } };
  return [FAKE_KEY, file.webhookSecret, file.dashboardToken, file.vapid.privateKey];
}

/** What `vigil status` on a team's home does not say yet (src/cli/commands/status.ts, teamStatusCommand). */
const FAST = { retryDelayMs: 50, retryMaxDelayMs: 200, timeoutSeconds: 1 };

describe('vigil with the Anthropic provider (real daemon, real SDK, fake Messages API)', () => {
  it('a tick and a webhook event each produce a decision; consecutive ticks share the cached prefix byte for byte; status shows tokens and cost; no secret leaves', async () => {
    const fake = new FakeAnthropic({ apiKey: FAKE_KEY, minCacheTokens: 0 });
    await fake.start();
    later(() => fake.stop());
    const clone = gitClone();
    const home = makeHome({
      model: { provider: 'anthropic', tickModel: 'claude-haiku-4-5', eventModel: 'claude-sonnet-4-6', ...FAST },
      repos: [{ name: 'octo/app', path: clone }],
    });
    fake.push(
      { decide: { act: false, summary: 'nothing moved', proposals: [] } },
      { decide: { act: false, summary: 'still nothing', proposals: [] } },
      { decide: { act: true, summary: 'new issue', proposals: [{ action: 'notify', params: { title: 'New issue #7', body: 'Crash' }, rationale: 'tell the owner' }] } },
    );
    const daemon = await start(home, { ANTHROPIC_API_KEY: FAKE_KEY, ANTHROPIC_BASE_URL: fake.url });
    // After the start: a team's memory is in its database, which the node migrates as it starts.
    writeMemoryFile(home, 'MEMORY.md', '# Memory\n- CI takes 12 minutes.\n');

    for (let i = 1; i <= 2; i++) {
      expect(runCli(home, ['tick']).status).toBe(0);
      await waitFor(() => logEntries(home).filter((e) => e.type === 'decision.made').length >= i, 10_000, `tick ${i}`);
    }
    const body = JSON.stringify(issueOpened(7, 'Crash on start', 'It crashes when I start it.'));
    const posted = await postDelivery(daemon.url, webhookSecret(home), body, { event: 'issues', deliveryId: crypto.randomUUID() });
    expect(posted.status).toBe(202);
    await waitFor(() => logEntries(home).filter((e) => e.type === 'decision.made').length >= 3, 10_000, 'the webhook decision');

    const made = logEntries(home).filter((e) => e.type === 'decision.made');
    expect(made.map((e) => [e.kind, e.model, e.summary])).toEqual([
      ['tick', 'claude-haiku-4-5', 'nothing moved'],
      ['tick', 'claude-haiku-4-5', 'still nothing'],
      ['github.issues.opened', 'claude-sonnet-4-6', 'new issue'],
    ]);
    // With tools offered the event's prompt carries a cache breakpoint: its tokens are cache writes, not plain input.
    for (const e of made) {
      const usage = e.usage as { inputTokens: number; cacheCreationTokens: number };
      expect(usage.inputTokens + usage.cacheCreationTokens).toBeGreaterThan(0);
    }
    expect(logEntries(home).filter((e) => e.type === 'action.allowed')).toHaveLength(1); // notify is allowed by default

    // The two ticks: identical bytes up to the breakpoint, which holds CLAUDE.md and MEMORY.md.
    const [t1, t2, webhook] = fake.calls;
    const cut = t1!.raw.indexOf('"cache_control"');
    expect(t2!.raw.slice(0, cut)).toBe(t1!.raw.slice(0, cut));
    expect(t1!.raw.slice(0, cut)).toContain('Releases go out on Tuesdays.');
    expect(t1!.raw.slice(0, cut)).toContain('CI takes 12 minutes.');
    expect(t2!.usage!.cache_read_input_tokens).toBeGreaterThan(0);
    expect(firstUserText(webhook!.body)).toContain('Crash on start');

    const status = JSON.parse(runCli(home, ['status', '--json']).stdout) as {
      model: { provider: string; tickModel: string; eventModel: string; circuit: { state: string }; today: { calls: number; estimatedCostUsd: number; models: { model: string; calls: number; cacheReadTokens: number; estimatedCostUsd: number }[] } };
    };
    expect(status.model).toMatchObject({ provider: 'anthropic', tickModel: 'claude-haiku-4-5', eventModel: 'claude-sonnet-4-6', circuit: { state: 'closed' } });
    expect(status.model.today.calls).toBe(3);
    expect(status.model.today.models.map((m) => [m.model, m.calls])).toEqual([
      ['claude-haiku-4-5', 2],
      ['claude-sonnet-4-6', 1],
    ]);
    expect(status.model.today.models[0]!.cacheReadTokens).toBe(t2!.usage!.cache_read_input_tokens);
    expect(status.model.today.estimatedCostUsd).toBeGreaterThan(0);
    const human = runCli(home, ['status']).stdout;
    expect(human).toMatch(/model:.*claude-haiku-4-5/);

    await stop(home, daemon);
    // With the daemon stopped, `vigil status` still adds up today's tokens from the database.
    const offline = JSON.parse(runCli(home, ['status', '--json']).stdout) as { status: string; model: { circuit?: unknown; today: { calls: number } } };
    expect(offline).toMatchObject({ status: 'stopped', model: { today: { calls: 3 } } });
    expect(offline.model.circuit).toBeUndefined();
    // No secret in any request the model API saw, any log line, or the daemon's output.
    const seen = [...fake.requests.map((r) => r.raw), logText(home), daemon.output()].join('\n');
    for (const secret of secretsOf(home)) expect(seen.includes(secret), 'a secret leaked').toBe(false);
    expect(fake.requests.every((r) => (r.headers['x-api-key'] ?? r.headers.authorization ?? '').includes(FAKE_KEY))).toBe(true);
  });

  it('429, 529, 500 and a hung connection are survived: the webhook event is decided exactly once', async () => {
    const fake = new FakeAnthropic({ apiKey: FAKE_KEY });
    await fake.start();
    later(() => fake.stop());
    fake.push({ error: 429, headers: { 'retry-after': '0.2' } }, { error: 529 }, { error: 500 }, { hang: true });
    const home = makeHome({ model: { provider: 'anthropic', ...FAST, retries: 4 } });
    const daemon = await start(home, { ANTHROPIC_API_KEY: FAKE_KEY, ANTHROPIC_BASE_URL: fake.url });
    const deliveryId = crypto.randomUUID();
    const body = JSON.stringify(issueOpened(8, 'Flaky', 'API down'));
    expect((await postDelivery(daemon.url, webhookSecret(home), body, { event: 'issues', deliveryId })).status).toBe(202);
    // The calls first, polled in this process: on PostgreSQL each read of the log is a psql
    // run that holds this process (and the fake API in it) while the daemon's calls time out.
    await waitFor(() => fake.calls.length >= 5, 15_000, 'the five calls');
    await waitFor(() => logEntries(home).find((e) => e.type === 'decision.made'), 15_000, 'the decision');

    const retries = logEntries(home).filter((e) => e.type === 'model.retry');
    expect(retries.map((e) => e.status ?? e.error)).toEqual([429, 529, 500, 'timed out after 1 s']);
    expect(retries[0]!.delayMs).toBe(200);
    expect(fake.calls).toHaveLength(5);
    const [event] = query<{ id: number; state: string; attempts: number }>(home, 'SELECT id, state, attempts FROM inbox WHERE delivery_id = ?', deliveryId);
    expect(event).toMatchObject({ state: 'decided', attempts: 1 });
    expect(query(home, 'SELECT * FROM decisions WHERE event_id = ?', event!.id)).toHaveLength(1);
    expect(logEntries(home).filter((e) => e.type === 'decision.made')).toHaveLength(1);
    await stop(home, daemon);
  });

  it('the circuit opens (logged, shown by `vigil status`), events wait in the inbox, and it closes again', { timeout: 60_000 }, async () => {
    const fake = new FakeAnthropic({ apiKey: FAKE_KEY });
    await fake.start();
    later(() => fake.stop());
    fake.push({ error: 500 }, { error: 500 });
    const home = makeHome({ model: { provider: 'anthropic', ...FAST, retries: 1, circuit: { failures: 2, coolDownSeconds: 3 } } });
    const daemon = await start(home, { ANTHROPIC_API_KEY: FAKE_KEY, ANTHROPIC_BASE_URL: fake.url });
    const secret = webhookSecret(home);
    await postDelivery(daemon.url, secret, JSON.stringify(issueOpened(1, 'a', 'a')), { event: 'issues', deliveryId: '0000d001-0001' });
    const opened = await waitFor(() => logEntries(home).find((e) => e.type === 'model.circuit_opened'), 10_000, 'circuit_opened');
    await postDelivery(daemon.url, secret, JSON.stringify(issueOpened(2, 'b', 'b')), { event: 'issues', deliveryId: '0000d002-0002' });
    await waitFor(() => logEntries(home).filter((e) => e.type === 'event.received').length >= 2, 5000, 'second event');

    const status = JSON.parse(runCli(home, ['status', '--json']).stdout) as { queueDepth: number; model: { circuit: { state: string; openUntil: string } } };
    expect(status.model.circuit).toMatchObject({ state: 'open', openUntil: opened.until });
    expect(status.queueDepth).toBe(2);
    expect(query(home, `SELECT delivery_id AS d, state FROM inbox ORDER BY id`)).toEqual([
      { d: '0000d001-0001', state: 'pending' },
      { d: '0000d002-0002', state: 'pending' },
    ]);
    expect(fake.calls).toHaveLength(2);

    // After the cool-down the daemon probes by itself; the fake answers now.
    await waitFor(() => logEntries(home).filter((e) => e.type === 'decision.made').length === 2, 30_000, 'both decided').catch((err: Error) => {
      throw new Error(`${err.message}; log: ${logEntries(home).map((e) => e.type).join(' ')}; model calls: ${fake.calls.length}`);
    });
    expect(logEntries(home).filter((e) => e.type === 'model.circuit_closed')).toHaveLength(1);
    expect(query(home, `SELECT count(*) AS n FROM decisions`)).toEqual([{ n: 2 }]);
    const after = JSON.parse(runCli(home, ['status', '--json']).stdout) as { queueDepth: number; model: { circuit: { state: string } } };
    expect(after).toMatchObject({ queueDepth: 0, model: { circuit: { state: 'closed' } } });
    await stop(home, daemon);
  });
});

describe('vigil with an OpenAI-compatible provider (real daemon, real openai client, fake server)', () => {
  it('a tick and a webhook event each produce a decision; no secret leaves', async () => {
    const fake = new FakeOpenAI({ apiKey: FAKE_KEY });
    await fake.start();
    later(() => fake.stop());
    fake.push(
      { decide: { act: false, summary: 'quiet', proposals: [] } },
      { decide: { act: true, summary: 'label it', proposals: [{ action: 'github.label', params: { repo: 'octo/app', number: 9, labels: ['bug'] }, rationale: 'a bug' }] } },
    );
    const home = makeHome({ model: { provider: 'openai', baseURL: fake.url, model: 'qwen2.5:14b', stream: true, ...FAST } });
    const daemon = await start(home, { OPENAI_API_KEY: FAKE_KEY });
    expect(runCli(home, ['tick']).status).toBe(0);
    // The calls first, polled in this process (see the retries test above).
    await waitFor(() => fake.calls.length >= 1, 10_000, 'the tick call');
    await waitFor(() => logEntries(home).find((e) => e.type === 'decision.made'), 10_000, 'tick decision');
    const body = JSON.stringify(issueOpened(9, 'Wrong output', 'It prints 3'));
    expect((await postDelivery(daemon.url, webhookSecret(home), body, { event: 'issues', deliveryId: crypto.randomUUID() })).status).toBe(202);
    await waitFor(() => fake.calls.length >= 2, 10_000, 'the event call');
    const requested = await waitFor(() => logEntries(home).find((e) => e.type === 'approval.requested'), 10_000, 'approval');
    expect(requested).toMatchObject({ action: 'github.label', params: { repo: 'octo/app', number: 9, labels: ['bug'] } });
    expect(logEntries(home).filter((e) => e.type === 'decision.made').map((e) => [e.kind, e.model])).toEqual([
      ['tick', 'qwen2.5:14b'],
      ['github.issues.opened', 'qwen2.5:14b'],
    ]);
    expect(fake.calls).toHaveLength(2);
    expect(fake.calls.every((c) => c.body.stream === true)).toBe(true);
    await stop(home, daemon);
    const seen = [...fake.requests.map((r) => r.raw), logText(home), daemon.output()].join('\n');
    for (const secret of secretsOf(home)) expect(seen.includes(secret), 'a secret leaked').toBe(false);
  });
});

describe('vigil doctor with a model provider', () => {
  it('takes the API key from the environment, as the daemon does, and reaches the endpoint', async () => {
    const fake = new FakeAnthropic({ apiKey: FAKE_KEY });
    await fake.start();
    later(() => fake.stop());
    const home = makeHome({ model: { provider: 'anthropic' } });
    // Asynchronously: the fake answers from this process.
    const env = cliEnv(home, { ANTHROPIC_API_KEY: FAKE_KEY, ANTHROPIC_BASE_URL: fake.url });
    const result = await promisify(execFile)(process.execPath, [BIN, 'doctor'], { env, encoding: 'utf8' }).catch((err: { stdout: string }) => err);
    const line = result.stdout.split('\n').find((l) => /^\w+\s+model\s/.test(l));
    expect(line).toMatch(/^ok\s+model\s+anthropic: http:\/\/127\.0\.0\.1:\d+ answers$/);
    expect(fake.requests.map((r) => r.path)).toEqual(['/v1/models?limit=1']);
  });
});

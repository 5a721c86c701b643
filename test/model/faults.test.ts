import { describe, expect, it, vi } from 'vitest';
import { statusReport } from '../../src/daemon/status.js';
import { Config } from '../../src/config/index.js';
import { FakeAnthropic, type FakeReply } from '../fakes/fake-anthropic.mjs';
import { FAKE_KEY, harness, inboxState, issueOpened, later } from './helpers.js';

async function fakeServer(): Promise<FakeAnthropic> {
  const fake = new FakeAnthropic({ apiKey: FAKE_KEY, minCacheTokens: 0 });
  await fake.start();
  later(() => fake.stop());
  return fake;
}

const DECIDED: FakeReply = { decide: { act: false, summary: 'seen', proposals: [] } };

/** Retries after 100 ms, doubling; the fake sleep records the delays and moves the fake clock. */
const FAST = { retries: 3, retryDelayMs: 100, retryMaxDelayMs: 1000, timeoutSeconds: 0.4 };

describe('faults: the event is neither lost nor decided twice', () => {
  for (const stream of [false, true]) {
    it(`429 (retry-after honoured), 529, 500 and a hung connection are retried, then decided once (${stream ? 'SSE' : 'JSON'})`, async () => {
      const fake = await fakeServer();
      fake.push(
        { error: 429, headers: { 'retry-after': '2' } },
        { error: 529 },
        { error: 500 },
        stream ? { decide: DECIDED.decide, stallAfterStart: true } : { hang: true },
        DECIDED,
      );
      // Four failures in a row must not open a circuit that needs five.
      const h = harness({ model: { provider: 'anthropic', baseURL: fake.url, stream, ...FAST, retries: 4 } });
      const id = h.addEvent('github.issues.opened', issueOpened(1, 'flaky', 'api'));
      expect(await h.initiative.decideNext()).toBe('decided');

      expect(fake.calls).toHaveLength(5);
      const retries = h.journal.ofType('model.retry');
      expect(retries.map((r) => r.status)).toEqual([429, 529, 500, undefined]);
      expect(retries[3]!.error).toBe('timed out after 0.4 s');
      // retry-after: 2 s, exactly; then exponential backoff with jitter (random() = 0.5 → 3/4 of the ceiling).
      expect(h.sleeps).toEqual([2000, 150, 300, 600]);
      expect(retries.map((r) => r.delayMs)).toEqual(h.sleeps);
      expect(inboxState(h.store, id)).toEqual({ state: 'decided', attempts: 1 });
      expect(h.store.decisions.countForEvent(id)).toBe(1);
      expect(h.journal.ofType('decision.made')).toHaveLength(1);
      expect(h.journal.ofType('model.circuit_opened')).toHaveLength(0);
    });
  }

  it('when every retry fails, the event goes back to the inbox and is decided once, later', async () => {
    const fake = await fakeServer();
    fake.push({ error: 500 }, { error: 500 }, { error: 500 }, { error: 500 });
    const h = harness({ model: { provider: 'anthropic', baseURL: fake.url, ...FAST } });
    const id = h.addEvent('github.issues.opened', issueOpened(2, 'down', 'api'));
    expect(await h.initiative.decideNext()).toBe('failed');
    expect(fake.calls).toHaveLength(4);
    expect(inboxState(h.store, id)).toEqual({ state: 'pending', attempts: 1 });
    const [failed] = h.journal.ofType('decision.failed');
    expect(failed).toMatchObject({ eventId: id, error: expect.stringContaining('500') });

    // Until its retry time the inbox is left alone: nothing claimed, nothing sent.
    expect(await h.initiative.decideNext()).toBe('waiting');
    expect(fake.calls).toHaveLength(4);
    h.clock.set(Date.parse(failed!.retryAt as string));
    expect(await h.initiative.decideNext()).toBe('decided');
    expect(inboxState(h.store, id)).toEqual({ state: 'decided', attempts: 2 });
    expect(h.store.decisions.countForEvent(id)).toBe(1);
  });

  it('a 400 is not retried (the request is wrong, not the weather)', async () => {
    const fake = await fakeServer();
    fake.push({ error: 400, message: 'prompt is too long' });
    const h = harness({ model: { provider: 'anthropic', baseURL: fake.url, ...FAST } });
    h.addEvent('github.issues.opened', issueOpened(3, 'x', 'y'));
    expect(await h.initiative.decideNext()).toBe('failed');
    expect(fake.calls).toHaveLength(1);
    expect(h.journal.ofType('model.retry')).toHaveLength(0);
    expect(h.journal.ofType('decision.failed')[0]!.error).toContain('prompt is too long');
  });

  it('a retry-after longer than a minute ends the decision; the event waits until then', async () => {
    const fake = await fakeServer();
    fake.push({ error: 429, headers: { 'retry-after': '600' } });
    const h = harness({ model: { provider: 'anthropic', baseURL: fake.url, ...FAST } });
    const id = h.addEvent('github.issues.opened', issueOpened(4, 'x', 'y'));
    const start = h.clock.now();
    expect(await h.initiative.decideNext()).toBe('failed');
    expect(h.journal.ofType('decision.failed')[0]!.retryAt).toBe(new Date(start + 600_000).toISOString());
    h.clock.advance(599_000);
    expect(await h.initiative.decideNext()).toBe('waiting');
    h.clock.advance(1_000);
    expect(await h.initiative.decideNext()).toBe('decided');
    expect(h.store.decisions.countForEvent(id)).toBe(1);
  });
});

describe('stopping', () => {
  it('stop() aborts a hung call at once: the event is back in the inbox and the circuit holds no failure', async () => {
    const fake = await fakeServer();
    fake.push({ hang: true });
    const h = harness({ model: { provider: 'anthropic', baseURL: fake.url, timeoutSeconds: 60 } });
    const id = h.addEvent('github.issues.opened', issueOpened(5, 'x', 'y'));
    const outcome = h.initiative.decideNext();
    await vi.waitFor(() => expect(fake.calls).toHaveLength(1));
    const t0 = Date.now();
    await h.initiative.stop();
    expect(await outcome).toBe('failed');
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(inboxState(h.store, id)).toEqual({ state: 'pending', attempts: 1 });
    expect(h.initiative.circuitStatus()).toEqual({ state: 'closed', consecutiveFailures: 0 });
    expect(h.journal.ofType('model.retry')).toHaveLength(0);
  });
});

describe('the circuit breaker (fake clock)', () => {
  const CIRCUIT = { ...FAST, retries: 1, circuit: { failures: 3, coolDownSeconds: 60 } };

  it('opens after repeated failures, keeps events in the inbox unclaimed, and closes on a good probe', async () => {
    const fake = await fakeServer();
    fake.push({ error: 500 }, { error: 503 }, { error: 529 });
    const h = harness({ model: { provider: 'anthropic', baseURL: fake.url, ...CIRCUIT } });
    const config = Config.parse({ model: { provider: 'anthropic', ...CIRCUIT } });
    const status = () => statusReport({ store: h.store, config, now: h.clock.now(), circuit: h.initiative.circuitStatus() }).model as { circuit: { state: string } };
    const a = h.addEvent('github.issues.opened', issueOpened(1, 'a', 'a'));

    expect(await h.initiative.decideNext()).toBe('failed'); // 500, 503: two failures
    expect(status().circuit.state).toBe('closed');
    h.clock.set(Date.parse(h.journal.ofType('decision.failed')[0]!.retryAt as string));
    expect(await h.initiative.decideNext()).toBe('failed'); // 529: the third in a row opens it
    const [opened] = h.journal.ofType('model.circuit_opened');
    expect(opened).toMatchObject({ failures: 3, until: new Date(h.clock.now() + 60_000).toISOString() });
    expect(h.journal.ofType('decision.failed')[1]!.retryAt).toBe(opened!.until);
    expect(status().circuit).toEqual({ state: 'open', consecutiveFailures: 3, openUntil: opened!.until });

    // While open: new events wait, nothing is claimed or sent or failed.
    const b = h.addEvent('github.issues.opened', issueOpened(2, 'b', 'b'));
    const sent = fake.calls.length;
    const failures = h.journal.ofType('decision.failed').length;
    h.clock.advance(59_000);
    expect(await h.initiative.decideNext()).toBe('waiting');
    expect(fake.calls).toHaveLength(sent);
    expect(h.journal.ofType('decision.failed')).toHaveLength(failures);
    expect(inboxState(h.store, a)).toEqual({ state: 'pending', attempts: 2 });
    expect(inboxState(h.store, b)).toEqual({ state: 'pending', attempts: 0 });

    // After the cool-down one probe goes out; it succeeds, the circuit closes, the queue drains in order.
    h.clock.advance(1_000);
    expect(status().circuit.state).toBe('half_open');
    expect(await h.initiative.decideNext()).toBe('decided');
    expect(h.journal.ofType('model.circuit_closed')).toEqual([expect.objectContaining({ openedAt: new Date(opened!.ts).toISOString() })]);
    expect(status().circuit).toEqual({ state: 'closed', consecutiveFailures: 0 });
    expect(await h.initiative.decideNext()).toBe('decided');
    expect(await h.initiative.decideNext()).toBe('idle');
    expect([h.store.decisions.countForEvent(a), h.store.decisions.countForEvent(b)]).toEqual([1, 1]);
  });

  it('a failed probe opens it again for another cool-down', async () => {
    const fake = await fakeServer();
    fake.push({ error: 500 }, { error: 500 }, { error: 500 }, { error: 500 });
    const h = harness({ model: { provider: 'anthropic', baseURL: fake.url, ...CIRCUIT, circuit: { failures: 2, coolDownSeconds: 60 } } });
    const id = h.addEvent('github.issues.opened', issueOpened(1, 'a', 'a'));
    expect(await h.initiative.decideNext()).toBe('failed');
    expect(h.journal.ofType('model.circuit_opened')).toHaveLength(1);
    h.clock.advance(60_000);
    expect(await h.initiative.decideNext()).toBe('failed'); // the probe: one call, no retry while half-open fails
    expect(fake.calls).toHaveLength(3);
    const reopened = h.journal.ofType('model.circuit_opened')[1]!;
    expect(reopened.until).toBe(new Date(h.clock.now() + 60_000).toISOString());
    expect(await h.initiative.decideNext()).toBe('waiting');
    h.clock.advance(60_000);
    expect(await h.initiative.decideNext()).toBe('failed');
    h.clock.advance(60_000);
    expect(await h.initiative.decideNext()).toBe('decided');
    expect(h.store.decisions.countForEvent(id)).toBe(1);
  });
});

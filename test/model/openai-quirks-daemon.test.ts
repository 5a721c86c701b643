import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { killDaemons, logEntries, makeHome, query, removeHomes, startDaemon, waitFor, type RunningDaemon } from '../helpers/home.js';
import { postDelivery, webhookSecret } from '../helpers/webhooks.js';
import { FakeOpenAI, type FakeChatReply, type FakeQuirk } from '../fakes/fake-openai.mjs';
import { FAKE_KEY, issueOpened, later } from './helpers.js';

/**
 * Issue 23 on the real daemon process: a webhook event through each documented server
 * behaviour, spoken to by the real `openai` client, leaves the inbox decided — or, for a
 * server that cannot serve tools at all, fails once with the fix and waits, not leased.
 */

const daemons: RunningDaemon[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  removeHomes();
});

const LABEL = { act: true, summary: 'a bug', proposals: [{ action: 'github.label', params: { repo: 'octo/app', number: 4, labels: ['bug'] }, rationale: 'a bug' }] };
const FAST = { retryDelayMs: 50, retryMaxDelayMs: 200, timeoutSeconds: 5 };


async function daemonOn(quirk: FakeQuirk | undefined) {
  const fake = new FakeOpenAI({ apiKey: FAKE_KEY, ...(quirk ? { quirk } : {}) });
  await fake.start();
  later(() => fake.stop());
  fake.respond = () => ({ decide: LABEL });
  const home = makeHome({ model: { provider: 'openai', baseURL: fake.url, model: 'qwen3:8b', ...FAST } });
  const daemon = await startDaemon(home, { OPENAI_API_KEY: FAKE_KEY });
  daemons.push(daemon);
  let issue = 0;
  const deliver = async () => {
    issue++;
    const deliveryId = crypto.randomUUID();
    const posted = await postDelivery(daemon.url, webhookSecret(home), JSON.stringify(issueOpened(issue, `Crash ${issue}`, 'It crashes')), { event: 'issues', deliveryId });
    expect(posted.status).toBe(202);
    return () => query<{ state: string }>(home, 'SELECT state FROM inbox WHERE delivery_id = ?', deliveryId)[0]?.state;
  };
  return { fake, home, deliver };
}

describe('the daemon through each documented OpenAI-compatible server (issue 23)', () => {
  it('one daemon, the server changing behaviour between events: every event leaves the inbox decided, nothing fails, the circuit stays shut', async () => {
    const { fake, home, deliver } = await daemonOn(undefined);
    // The owner's server, swapped between events. LM Studio comes first: its 400 steps the ladder to "required", remembered for every later event.
    const servers: [FakeQuirk | undefined, FakeChatReply[]][] = [
      ['lmstudio', []],
      ['required-only', []],
      ['groq', []],
      ['gemini', [{ rawArguments: '{"act": true' }]],
      [undefined, [{ decide: LABEL, needsTokens: 1500 }]],
      ['ollama', []],
    ];
    for (const [quirk, replies] of servers) {
      fake.quirk = quirk;
      fake.push(...replies);
      const state = await deliver();
      await waitFor(() => state() === 'decided', 15_000, `decided through ${quirk ?? 'finish_reason length'}`).catch((err: Error) => {
        throw new Error(`${err.message}; log: ${logEntries(home).map((e) => `${e.type} ${String(e.error ?? '')}`).join(' | ')}`);
      });
    }
    const log = logEntries(home);
    expect(log.filter((e) => e.type === 'decision.made' && e.kind === 'github.issues.opened')).toHaveLength(servers.length);
    expect(log.find((e) => e.type === 'approval.requested')).toMatchObject({ action: 'github.label' });
    expect(log.filter((e) => e.type === 'decision.failed' || e.type === 'model.circuit_opened')).toEqual([]);
    expect(log.filter((e) => e.type === 'decision.recovered').map((e) => e.from)).toEqual(['failed_generation', 'content']);
    // With investigation on, the events' requests say "required" (any tool) or name decide; only Groq's first answer was a refusal.
    const events = fake.calls.filter((c) => c.raw.includes('Crash '));
    expect(events.filter((c) => c.reply === undefined)).toHaveLength(1);
  });

  it('llama-server without --jinja: one configuration error naming the fix, no retry, the event waits unleased', async () => {
    const { fake, home, deliver } = await daemonOn('no-jinja');
    const state = await deliver();
    const failed = await waitFor(() => logEntries(home).find((e) => e.type === 'decision.failed'), 15_000, 'decision.failed');
    expect(String(failed.error)).toContain('start it with --jinja');
    expect(fake.calls).toHaveLength(1);
    await waitFor(() => state() === 'pending', 5000, 'given back');
    expect(logEntries(home).filter((e) => e.type === 'model.retry' || e.type === 'model.circuit_opened')).toEqual([]);
  });
});

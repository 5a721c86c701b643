import crypto from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Config } from '../config/index.js';
import { configuredChannels, NO_CHANNEL_ANSWER, testAnswer, type TestAnswer } from '../notify/index.js';
import type { PgStore } from '../store/index.js';
import { pollUntil } from './poll-until.js';

export interface TeamPushTestDeps {
  store: PgStore;
  clock: Clock;
  config: () => Pick<Readonly<Config>, 'notify'>;
  /** This node's worker looks at the queue now. */
  kick(): void;
  /** Between looks at the outcome; a test may shorten it. */
  pollMs?: number;
  signal?: AbortSignal;
}

/**
 * `POST /api/push/test` on a team node (issue 19 with issue 16): the test notification is
 * queued in the shared `notify_queue` like any notice; whichever node's worker claims it
 * sends it through the gate to every channel and saves what came of it (`notify_tests`,
 * pg-016), and this node answers with that — the same answer as the single daemon's, with
 * the team's count of subscribed browsers. No channel configured and no browser
 * subscribed: said at once, nothing queued.
 */
export async function teamPushTest(deps: TeamPushTestDeps): Promise<TestAnswer & { subscriptions: number }> {
  const { store, clock } = deps;
  const subscriptions = await store.pushSubscriptions.subscriptionCount();
  const config = deps.config();
  if (configuredChannels(config, subscriptions).length === 0) return { ...NO_CHANNEL_ANSWER, subscriptions };
  const now = clock.now();
  const key = `test:${now}:${crypto.randomBytes(4).toString('hex')}`;
  await store.transaction((tx) => store.notify.enqueue(tx, key, 'test', {}, now));
  deps.kick();
  const budget = (config.notify.timeoutSeconds + 20) * 1000;
  const outcome = await pollUntil(() => store.notify.testResult(key), { budgetMs: budget, everyMs: deps.pollMs ?? 150, ...(deps.signal ? { signal: deps.signal } : {}) });
  if (outcome) return { ...testAnswer(outcome), subscriptions };
  return { delivered: [], failed: [], skipped: [], pending: true, message: `Queued, but no worker answered in ${Math.round(budget / 1000)} s: see vigil log.`, subscriptions };
}

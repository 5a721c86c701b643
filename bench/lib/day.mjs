// The simulated working day of `npm run bench -- tokens`: when the 96 ticks fall, when
// 40 webhook deliveries arrive (between 09:00 and 17:00, drawn from the realistic
// payloads of @octokit/webhooks-examples), and when the owner commits to the watched
// clone. Deterministic: a seeded generator, so runs compare.
import { createRequire } from 'node:module';

const examples = createRequire(import.meta.url)('@octokit/webhooks-examples');

/** The mix of a busy repository's day: what arrives, how often. */
const MIX = [
  ['issues', 'opened', 8],
  ['issue_comment', 'created', 10],
  ['pull_request', 'opened', 5],
  ['pull_request', 'synchronize', 5],
  ['pull_request_review', 'submitted', 3],
  ['push', undefined, 4],
  ['check_run', 'completed', 3],
  ['workflow_run', 'completed', 2],
];

/** mulberry32: small, seeded, good enough to scatter events over a day. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function example(name, action, index) {
  const group = examples.find((g) => g.name === name);
  const matching = group.examples.filter((e) => action === undefined || e.action === action);
  const pool = matching.length ? matching : group.examples;
  return pool[index % pool.length];
}

/**
 * `start` is local midnight (ms). Returns the ticks (every 15 min, the default
 * schedule), the webhooks with their kinds and payloads, and the commit times.
 */
export function simulatedDay(start, seed = 4) {
  const next = random(seed);
  const ticks = Array.from({ length: 96 }, (_, i) => start + i * 15 * 60_000);
  const kinds = MIX.flatMap(([name, action, count]) => Array.from({ length: count }, (_, i) => ({ name, action, i })));
  // Shuffle the kinds, then give them sorted random minutes between 09:00 and 17:00.
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j], kinds[i]];
  }
  const minutes = kinds.map(() => 9 * 60 + next() * 8 * 60).sort((a, b) => a - b);
  const webhooks = kinds.map(({ name, action, i }, n) => {
    const payload = example(name, action, i);
    return {
      at: start + Math.round(minutes[n] * 60_000),
      kind: `github.${name}${typeof payload.action === 'string' ? `.${payload.action}` : ''}`,
      deliveryId: `bench-${n}`,
      payload,
    };
  });
  const commits = [10 * 60 + 20, 13 * 60 + 40, 16 * 60 + 5].map((m) => start + m * 60_000);
  return { ticks, webhooks, commits };
}

// Event → notification (issue 18): how long from a webhook's delivery to the owner's
// phone, through the whole path — intake, the decision (rules provider), the policy, the
// worker, web push — measured at a fake push service that really decrypts each message
// (test/fakes/fake-push.mjs). Steady: a constant rate of deliveries, one in ten matching a
// rule that notifies. Cold: one paging delivery at a time after the worker exited idle,
// so the figure includes forking and loading the worker.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { FakePushService } from '../../test/fakes/fake-push.mjs';
import { openLoop, percentile } from './open-loop.mjs';
import { startVigil, stopVigil } from './vigil.mjs';
import { deliveryBody, signBody } from './signed-load.mjs';

const require = createRequire(import.meta.url);
const PAGE_TITLE = 'bench: page me';
const IDLE_EXIT_SECONDS = 1;

/** The home's config: a rule that notifies on the paging title, allowed without asking. */
function config() {
  return {
    rules: [{ name: 'page on the bench title', on: 'github.issues.opened', match: { 'payload.issue.title': PAGE_TITLE }, propose: { action: 'notify', params: { title: 'bench page', body: 'issue {{payload.issue.number}}' } } }],
    permissions: { mode: 'auto', rules: [{ action: 'notify', decision: 'allow' }] },
    notify: { maxPerHour: 1000 },
    exec: { idleExitSeconds: IDLE_EXIT_SECONDS },
  };
}

function issuesOpenedNumbered(number, paging) {
  const example = require('@octokit/webhooks-examples').find((e) => e.name === 'issues').examples.find((e) => e.action === 'opened');
  const payload = structuredClone(example);
  payload.issue.number = number;
  if (paging) payload.issue.title = PAGE_TITLE;
  return Buffer.from(JSON.stringify(payload));
}

async function subscribePhone(vigil, push) {
  const { dashboardToken } = JSON.parse(readFileSync(join(vigil.home, 'secrets.json'), 'utf8'));
  const res = await fetch(`${vigil.url}/api/push/subscriptions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${dashboardToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...push.subscribe('bench-phone'), expirationTime: null }),
  });
  if (res.status !== 201) throw new Error(`push subscription refused: ${res.status} ${await res.text()}`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Lines of today's log (the worker's exit is logged there). */
function logText(home) {
  const now = new Date(); // the log's day is the local one
  const day = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
  try {
    return readFileSync(join(home, 'logs', `${day}.jsonl`), 'utf8');
  } catch {
    return '';
  }
}

/**
 * Where the time goes, from the log's timestamps (ms): for each paged delivery, send →
 * `event.received` (intake), → `decision.made` (the inbox wait and the decision), →
 * `action.started` (the worker's claim, its start when cold), → the push service's
 * receipt (web push). Medians over the deliveries found.
 */
function stagesOf(text, sentAt, arrived) {
  const eventOf = new Map(); // delivery id → event id
  const received = new Map(); // event id → ts
  const decided = new Map();
  const actionEvent = new Map(); // notify action id → event id
  const started = new Map(); // event id → ts
  let lastDecided;
  for (const line of text.split('\n')) {
    if (!line) continue;
    const r = JSON.parse(line);
    const ts = Date.parse(r.ts);
    if (r.type === 'event.received' && r.deliveryId) {
      eventOf.set(r.deliveryId, r.eventId);
      received.set(r.eventId, ts);
    } else if (r.type === 'decision.made') {
      decided.set(r.eventId, ts);
      lastDecided = r.eventId;
    } else if (r.type === 'action.allowed' && r.action === 'notify') actionEvent.set(r.actionId, lastDecided);
    else if (r.type === 'action.started' && actionEvent.has(r.actionId)) started.set(actionEvent.get(r.actionId), ts);
  }
  const parts = { intake: [], decision: [], worker: [], push: [] };
  for (const [number, sent] of sentAt) {
    const event = eventOf.get(number.toString(16).padStart(12, '0'));
    if (event === undefined || !arrived.has(number) || !started.has(event)) continue;
    parts.intake.push(received.get(event) - sent);
    parts.decision.push(decided.get(event) - received.get(event));
    parts.worker.push(started.get(event) - decided.get(event));
    parts.push.push(arrived.get(number) - started.get(event));
  }
  return Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, percentile(v.sort((a, b) => a - b), 50)]));
}

/** The worker is down when its last record in the log is its exit. */
function workerDown(home) {
  const lines = logText(home).split('\n').filter((l) => l.includes('"worker.started"') || l.includes('"worker.exited"'));
  return lines.length > 0 && lines.at(-1).includes('"worker.exited"');
}

async function until(what, test, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/**
 * Runs both phases against a fresh vigil. `rate` deliveries/s for `seconds`, one in
 * `every` paging; then `cold` single paging deliveries, each after the worker exited.
 */
export async function measureEventToNotification({ rate = 50, seconds = 20, every = 10, cold = 10, cli, secret }) {
  const push = await FakePushService.start();
  const sentAt = new Map();
  const arrived = new Map();
  push.onMessage = (message) => {
    const number = Number(/issue (\d+)/.exec(JSON.parse(message.payload).body)?.[1]);
    if (!arrived.has(number)) arrived.set(number, message.at);
  };
  const vigil = await startVigil({ env: { GITHUB_WEBHOOK_SECRET: secret, NODE_EXTRA_CA_CERTS: push.caFile }, config: config(), cli });
  try {
    await subscribePhone(vigil, push);
    const url = `${vigil.url}/webhooks/github`;
    const headers = { 'Content-Type': 'application/json', 'User-Agent': 'GitHub-Hookshot/bench', 'X-GitHub-Event': 'issues', 'X-GitHub-Hook-ID': '1' };
    const request = (number, paging) => {
      const id = `${number.toString(16).padStart(12, '0')}`;
      const body = deliveryBody(issuesOpenedNumbered(number, paging), id);
      if (paging) sentAt.set(number, Date.now());
      return { path: '/webhooks/github', id, body, headers: { ...headers, 'X-GitHub-Delivery': id, 'X-Hub-Signature-256': signBody(secret, body) } };
    };

    // Steady: issue numbers 1…rate·seconds, every `every`-th one paging.
    const out = await openLoop({ url, rate, seconds, request: (i) => request(i + 1, (i + 1) % every === 0) });
    const steadyNumbers = [...sentAt.keys()];
    await until('the steady window\'s notifications', () => steadyNumbers.every((n) => arrived.has(n)), 60_000).catch(() => {});
    const steady = steadyNumbers.filter((n) => arrived.has(n)).map((n) => arrived.get(n) - sentAt.get(n)).sort((a, b) => a - b);

    // Cold: wait for the worker to exit idle (logged), then one paging delivery.
    const coldMs = [];
    for (let k = 0; k < cold; k++) {
      await until('the worker to exit idle', () => workerDown(vigil.home), (IDLE_EXIT_SECONDS + 30) * 1000).catch((err) => {
        throw new Error(`${err.message}; steady: ${steady.length}/${steadyNumbers.length} notified; worker records: ${logText(vigil.home).split('\n').filter((l) => l.includes('worker') || l.includes('action')).slice(-6).join('\n')}`);
      });
      await sleep(200);
      const number = 1_000_000 + k;
      const r = await openLoop({ url, rate: 1, seconds: 1, request: () => request(number, true) });
      if (r.errors) throw new Error(`the cold delivery was refused: ${JSON.stringify(r.statuses)}`);
      await until(`notification ${number}`, () => arrived.has(number), 30_000);
      coldMs.push(arrived.get(number) - sentAt.get(number));
    }
    coldMs.sort((a, b) => a - b);
    const stages = stagesOf(logText(vigil.home), sentAt, arrived);
    return {
      stages,
      rate,
      seconds,
      acked: out.acked.length,
      errors: out.errors,
      paged: steadyNumbers.length,
      notified: steady.length,
      refusedByPush: push.refused.length,
      steady: { p50: percentile(steady, 50), p99: percentile(steady, 99), max: steady.at(-1) },
      cold: { n: coldMs.length, p50: percentile(coldMs, 50), max: coldMs.at(-1) },
      all: (() => {
        const all = [...steady, ...coldMs].sort((a, b) => a - b);
        return { p50: percentile(all, 50), p99: percentile(all, 99) };
      })(),
    };
  } finally {
    await stopVigil(vigil);
    await push.close();
  }
}

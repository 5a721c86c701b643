import type { Clock } from '../clock.js';
import { eventRecord, type EventRecord } from '../events.js';
import type { Store } from '../store/index.js';
import type { GithubOctokit } from './client.js';
import { splitRepo } from './client.js';
import type { SweepResult } from './types.js';
import { errorText } from '../errors.js';

/**
 * Missed deliveries (issue 3). GitHub never retries a delivery on its own: one that
 * found vigil down, or timed out, is lost unless someone asks again. The sweep lists
 * the hook's recent deliveries, and for each delivery id (`guid`, the
 * `X-GitHub-Delivery` header) that no attempt delivered and that vigil's inbox does not
 * hold, asks GitHub once to redeliver it.
 */

/** Where the webhook lives: a repository's or an organisation's hook. */
export type HookLocation = { id: number; repo: string } | { id: number; org: string };

export interface SweepDeps {
  octokit: GithubOctokit;
  store: Store;
  clock: Clock;
  hook: HookLocation;
  record: (record: EventRecord) => void;
}

/** GitHub keeps deliveries for about three days; older ones cannot be redelivered. */
const WINDOW_MS = 3 * 24 * 60 * 60 * 1000;
/** Look a little before the last sweep: an attempt is listed once it has finished. */
const OVERLAP_MS = 60 * 60 * 1000;
/** At most this many listed attempts per sweep (100 a page). */
const MAX_PAGES = 50;
/** Delivery ids already re-requested, newest last; enough for three days of failures. */
const REMEMBERED = 2000;

const KV_REQUESTED = 'github.redelivery.requested';
const KV_LAST_SWEEP = 'github.sweep.last';

interface Attempt {
  id: number;
  guid: string;
  delivered_at: string;
  status_code: number;
}

export async function sweepMissedDeliveries(deps: SweepDeps): Promise<SweepResult> {
  const { store, clock, record } = deps;
  const startedAt = clock.now();
  const lastSweep = store.kv.get(KV_LAST_SWEEP);
  const cutoff = Math.max(startedAt - WINDOW_MS, lastSweep === undefined ? 0 : lastSweep - OVERLAP_MS);
  const attempts = await listAttempts(deps, cutoff);

  const requested = store.kv.get(KV_REQUESTED) ?? [];
  const asked = new Set(requested);
  let redelivered = 0;
  let failed = 0;
  for (const [guid, tries] of groupByGuid(attempts)) {
    if (tries.some((t) => t.status_code >= 200 && t.status_code < 300)) continue;
    if (asked.has(guid) || store.inbox.byDeliveryId(guid)) continue;
    const newest = tries.reduce((a, b) => (newer(b, a) ? b : a));
    try {
      await requestRedelivery(deps, newest.id);
    } catch (err) {
      // One refused redelivery (too old, hook gone) must not stop the others.
      failed++;
      record(eventRecord('github.redelivery_failed', { guid, deliveryId: newest.id, error: errorText(err) }, clock.now()));
      continue;
    }
    redelivered++;
    asked.add(guid);
    requested.push(guid);
    // Remembered at once: a worker that dies mid-sweep does not ask again for this one.
    store.kv.set(KV_REQUESTED, requested.slice(-REMEMBERED));
    record(eventRecord('github.redelivery_requested', { guid, deliveryId: newest.id }, clock.now()));
  }
  store.kv.set(KV_LAST_SWEEP, startedAt);
  record(eventRecord('github.sweep', { listed: attempts.length, redelivered, ...(failed ? { failed } : {}) }, clock.now()));
  return { listed: attempts.length, redelivered, failed };
}

/** Newest first, page by page (cursor pagination), until the attempts are older than `cutoff`. */
async function listAttempts(deps: SweepDeps, cutoff: number): Promise<Attempt[]> {
  const { octokit, hook } = deps;
  const pages =
    'repo' in hook
      ? octokit.paginate.iterator(octokit.rest.repos.listWebhookDeliveries, { ...splitRepo(hook.repo), hook_id: hook.id, per_page: 100 })
      : octokit.paginate.iterator(octokit.rest.orgs.listWebhookDeliveries, { org: hook.org, hook_id: hook.id, per_page: 100 });
  const attempts: Attempt[] = [];
  let count = 0;
  for await (const page of pages) {
    let older = false;
    for (const delivery of page.data) {
      if (Date.parse(delivery.delivered_at) < cutoff) older = true;
      else attempts.push(delivery);
    }
    if (older || ++count >= MAX_PAGES) break;
  }
  return attempts;
}

function groupByGuid(attempts: Attempt[]): Map<string, Attempt[]> {
  const groups = new Map<string, Attempt[]>();
  for (const attempt of attempts) {
    const list = groups.get(attempt.guid);
    if (list) list.push(attempt);
    else groups.set(attempt.guid, [attempt]);
  }
  return groups;
}

function newer(a: Attempt, b: Attempt): boolean {
  const at = Date.parse(a.delivered_at) - Date.parse(b.delivered_at);
  return at !== 0 ? at > 0 : a.id > b.id;
}

async function requestRedelivery(deps: SweepDeps, deliveryId: number): Promise<void> {
  const { octokit, hook } = deps;
  if ('repo' in hook) {
    await octokit.rest.repos.redeliverWebhookDelivery({ ...splitRepo(hook.repo), hook_id: hook.id, delivery_id: deliveryId });
  } else {
    await octokit.rest.orgs.redeliverWebhookDelivery({ org: hook.org, hook_id: hook.id, delivery_id: deliveryId });
  }
}

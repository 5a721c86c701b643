import type { Clock } from '../clock.js';
import { eventRecord } from '../events.js';
import type { GithubOctokit } from './client.js';
import { splitRepo } from './client.js';
import type { SweepMemory, SweepResult } from './types.js';
import { errorText, VigilError } from '../errors.js';
import { failpoint } from '../failpoints.js';

/**
 * Missed deliveries (issues 3 and 20). GitHub never retries a delivery on its own: one
 * that found vigil down, or timed out, is lost unless someone asks again. The sweep lists
 * the hook's recent deliveries, and for each delivery id (`guid`, the `X-GitHub-Delivery`
 * header) that vigil's inbox does not hold, asks GitHub once to redeliver it — whether no
 * attempt delivered it, or one did and vigil still has nothing (a webhook proxy answered
 * GitHub 200 and vigil refused what it forwarded: logged `event.missed`). A redelivery
 * that came and was refused again cannot be cured by asking a third time: the owner is
 * told which setting to change, once.
 *
 * What it remembers and which ids the inbox holds come from `SweepMemory`: a home's SQLite
 * or a team's PostgreSQL (issue 19), the same logic over either.
 */

/** Where the webhook lives: a repository's or an organisation's hook. */
export type HookLocation = { id: number; repo: string } | { id: number; org: string };

export interface SweepDeps {
  octokit: GithubOctokit;
  memory: SweepMemory;
  clock: Clock;
  hook: HookLocation;
}

/** GitHub keeps deliveries for about three days; older ones cannot be redelivered. */
const WINDOW_MS = 3 * 24 * 60 * 60 * 1000;
/** Look a little before the last sweep: an attempt is listed once it has finished. */
const OVERLAP_MS = 60 * 60 * 1000;
/** At most this many listed attempts per sweep (100 a page). */
const MAX_PAGES = 50;
/** A delivery GitHub lists as delivered may still be on its way through a proxy: looked at after this. */
const IN_TRANSIT_MS = 5 * 60 * 1000;

interface Attempt {
  id: number;
  guid: string;
  delivered_at: string;
  status_code: number;
  event?: string;
}

const EVENT_RE = /^[a-z][a-z0-9_]{0,63}$/;

export async function sweepMissedDeliveries(deps: SweepDeps): Promise<SweepResult> {
  const { memory, clock } = deps;
  const startedAt = clock.now();
  const lastSweep = await memory.lastSweep();
  const cutoff = Math.max(startedAt - WINDOW_MS, lastSweep === undefined ? 0 : lastSweep - OVERLAP_MS);
  await memory.begin(startedAt);
  const attempts = await listAttempts(deps, cutoff);

  const groups = groupByGuid(attempts);
  const guids = [...groups.keys()];
  const [stored, asked, firstStored] = await Promise.all([memory.stored(guids), memory.asked(guids), memory.firstDeliveryAt()]);
  let redelivered = 0;
  let failed = 0;
  for (const [guid, tries] of groups) {
    if (stored.has(guid)) continue;
    const newest = tries.reduce((a, b) => (newer(b, a) ? b : a));
    const delivered = tries.some((t) => isOk(t.status_code));
    // A proxy may still be forwarding what GitHub just handed it.
    if (delivered && startedAt - Date.parse(newest.delivered_at) < IN_TRANSIT_MS) continue;
    // Delivered before this home stored anything (a new home on an old hook): not vigil's
    // to judge, and redelivering days of old events would have them decided as news.
    if (delivered && (firstStored === undefined || Date.parse(newest.delivered_at) < firstStored)) continue;
    const asking = asked.get(guid);
    if (asking) {
      if (asking.at !== undefined && !asking.told && Date.parse(newest.delivered_at) > asking.at && refusedByVigil(newest.status_code)) {
        const line = eventRecord('event.missed', { ...missed(guid, newest), again: true }, clock.now());
        await memory.refusedAgain(guid, ownerNotice(guid, newest.status_code), [line]);
      }
      continue;
    }
    const missedLine = delivered ? [eventRecord('event.missed', missed(guid, newest), clock.now())] : [];
    if (!(await memory.mayRequest(guid))) {
      throw new VigilError('VIGIL_ERR_ROLE_LOST', `the sweep stopped before asking for ${guid}: this node no longer holds the redelivery role`);
    }
    try {
      await requestRedelivery(deps, newest.id);
    } catch (err) {
      // One refused redelivery (too old, hook gone) must not stop the others.
      failed++;
      await memory.log([...missedLine, eventRecord('github.redelivery_failed', { guid, deliveryId: newest.id, error: errorText(err) }, clock.now())]);
      continue;
    }
    redelivered++;
    // Remembered at once: a worker that dies mid-sweep does not ask again for this one.
    await memory.requested(guid, newest.id, startedAt, [...missedLine, eventRecord('github.redelivery_requested', { guid, deliveryId: newest.id }, clock.now())]);
    // A crash test stops the sweep here: asked and remembered, the rest not yet.
    await failpoint('redelivery.after_request');
  }
  const result = { listed: attempts.length, redelivered, failed };
  await memory.finished(startedAt, [eventRecord('github.sweep', { listed: attempts.length, redelivered, ...(failed ? { failed } : {}) }, clock.now())]);
  return result;
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

function isOk(status: number): boolean {
  return status >= 200 && status < 300;
}

/**
 * The newest attempt was refused by vigil itself, so asking again cannot help: a 2xx
 * means a proxy took it and vigil refused what came through (nothing is stored), 400,
 * 401, 413 and 415 are vigil's own refusals. A 5xx or a timeout is vigil being away.
 */
function refusedByVigil(status: number): boolean {
  return isOk(status) || [400, 401, 413, 415].includes(status);
}

function missed(guid: string, attempt: Attempt): { guid: string; deliveryId: number; statusCode: number; event?: string } {
  const event = attempt.event && EVENT_RE.test(attempt.event) ? attempt.event : undefined;
  return { guid, deliveryId: attempt.id, statusCode: attempt.status_code, ...(event ? { event } : {}) };
}

/** What to change, judged by how the refused redelivery was answered. */
export function settingToChange(status: number): string {
  if (status === 401) return 'the hook\'s secret on GitHub must be secrets.json "webhookSecret" (or GITHUB_WEBHOOK_SECRET)';
  if (status === 400 || status === 415) return 'set the hook\'s "Content type" to application/json on GitHub';
  if (status === 413) return 'nothing in vigil: the body is over 25 MB, more than GitHub sends';
  return (
    'a webhook proxy (github.webhookProxyUrl) took it and vigil refused what it forwarded: the hook\'s "Content type" ' +
    'must be application/json and its secret must be secrets.json "webhookSecret"; vigil doctor names the cause it saw'
  );
}

/** What the owner is told about a delivery refused twice (a home sends it through its notification queue). */
function ownerNotice(guid: string, status: number): { title: string; body: string } {
  const body = `GitHub delivery ${guid} was redelivered and vigil refused it again, so it is lost. To change: ${settingToChange(status)}.`;
  return { title: 'vigil: a delivery was refused twice', body };
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

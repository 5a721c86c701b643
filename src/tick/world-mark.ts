import type { Store } from '../store/index.js';
import { ciSettled, type OpenWorkMark } from './open-work.js';
import type { RepoHead } from './repos.js';

/**
 * The quiet-tick rule's state: where the world stood when a tick was last decided. A
 * scheduled tick that finds the world where the baseline left it costs no tokens. The
 * tick owns this state; other rooms report what moved through the functions here and
 * never write its keys themselves.
 */

/** Where the world stood: if nothing in it moved, a tick has nothing to decide. */
export interface WorldMark {
  /**
   * The newest event that is not a tick and was or will be decided: a filtered event
   * (intake's filter, vigil's own echo, a `model.skipEvents` kind) moves nothing.
   */
  lastEventId: number;
  approvalsVersion: number;
  repos: Record<string, string>;
  /**
   * The owner's working day (their local date) once it has begun, i.e. within
   * `owner.workingHours` (any hour when unset). A new one wakes one decision a day, so
   * standing orders such as "every Monday morning" are looked at even in a quiet world.
   */
  ownerDay?: string;
  /**
   * Per repository, its open-work digest (issue 15): a change of the default branch's CI
   * or of what waits for the owner is something moved. A repository whose digest could
   * not be read this time is absent: it moves nothing.
   */
  openWork?: Record<string, OpenWorkMark>;
}

/** What a decided tick saw: its mark, and the reminders that were due (they fire with its decision). */
export interface DecidedTick {
  mark: WorldMark;
  dueReminders: readonly { id: number }[];
}

const BASELINE_KEY = 'tick.baseline';
const APPROVALS_VERSION_KEY = 'approvals.version';

/** Where the world stands now, given the watched clones' heads. */
export function worldMark(store: Store, heads: readonly RepoHead[], ownerDay?: string, openWork?: Record<string, OpenWorkMark>): WorldMark {
  return {
    lastEventId: store.inbox.lastDecidableId(),
    approvalsVersion: store.kv.get(APPROVALS_VERSION_KEY) ?? 0,
    repos: Object.fromEntries(heads.map((h) => [h.name, `${h.branch}@${h.head}`])),
    ...(ownerDay ? { ownerDay } : {}),
    ...(openWork ? { openWork } : {}),
  };
}

/** What moved since the last decided tick, in words for the prompt; empty: the tick is quiet. */
export function changesSinceBaseline(store: Store, mark: WorldMark, dueReminders: number): string[] {
  return changesBetween(store.kv.get(BASELINE_KEY), mark, dueReminders);
}

/**
 * The quiet-tick rule itself, whichever store keeps the baseline (a home's SQLite, a
 * team's PostgreSQL: src/store/pg/tick-mark.ts): what moved between the last decided
 * tick's mark and this one, in words for the prompt; empty: the tick is quiet.
 */
export function changesBetween(baseline: WorldMark | undefined, mark: WorldMark, dueReminders: number): string[] {
  if (!baseline) return ['first tick'];
  const changes: string[] = [];
  if (mark.lastEventId > baseline.lastEventId) changes.push('new events');
  if (mark.approvalsVersion !== baseline.approvalsVersion) changes.push('approvals changed');
  if (dueReminders > 0) changes.push(`${dueReminders} reminder(s) due`);
  if (mark.ownerDay && mark.ownerDay !== baseline.ownerDay) changes.push(`the owner's working day ${mark.ownerDay} began`);
  for (const [name, where] of Object.entries(mark.repos)) {
    if (baseline.repos[name] !== where) changes.push(`${name} moved to ${where}`);
  }
  for (const [repo, seen] of Object.entries(mark.openWork ?? {})) {
    const before = baseline.openWork?.[repo];
    if (ciSettled(seen) && seen.ci !== before?.ci) {
      changes.push(`${repo}: CI on the default branch is now ${seen.ci}${before ? ` (was ${before.ci})` : ''}`);
    }
    if (seen.hash !== before?.hash) changes.push(`${repo}: what waits for the owner changed (see the open-work digest)`);
  }
  return changes;
}

/**
 * An approval was requested, answered or expired: the next tick has something to
 * decide. Call inside the transaction that changed the approval.
 */
export function approvalsChanged(store: Store): void {
  store.kv.increment(APPROVALS_VERSION_KEY);
}

/**
 * Call inside the transaction that records a tick's decision: what the tick saw
 * becomes the baseline, with the approvals counter as it stands after the decision
 * (so approvals the tick itself requested do not wake the next one).
 */
export function recordDecidedTick(store: Store, tick: DecidedTick, now: number): void {
  const approvalsVersion = store.kv.get(APPROVALS_VERSION_KEY) ?? 0;
  store.kv.set(BASELINE_KEY, nextBaseline(store.kv.get(BASELINE_KEY), tick.mark, approvalsVersion));
  store.reminders.markFired(tick.dueReminders.map((r) => r.id), now);
}

/**
 * The baseline a decided tick leaves, whichever store keeps it: its mark, with the
 * approvals as they stand after its decision.
 */
export function nextBaseline(before: WorldMark | undefined, mark: WorldMark, approvalsVersion: number): WorldMark {
  // A tick decided before the day began (a manual one at night) keeps the day the baseline had.
  const ownerDay = mark.ownerDay ?? before?.ownerDay;
  const openWork = baselineOpenWork(before?.openWork, mark.openWork);
  return { ...mark, approvalsVersion, ...(ownerDay ? { ownerDay } : {}), ...(openWork ? { openWork } : {}) };
}

/**
 * A repository the tick could not read keeps its last digest mark, and a CI still
 * running keeps the last settled result: neither may make the next tick see a change
 * that is only the absence of news.
 */
function baselineOpenWork(
  before: Record<string, OpenWorkMark> | undefined,
  seen: Record<string, OpenWorkMark> | undefined,
): Record<string, OpenWorkMark> | undefined {
  if (!before && !seen) return undefined;
  const next: Record<string, OpenWorkMark> = { ...before };
  for (const [repo, mark] of Object.entries(seen ?? {})) {
    const kept = before?.[repo];
    next[repo] = ciSettled(mark) || !kept ? mark : { ...mark, ci: kept.ci };
  }
  return next;
}

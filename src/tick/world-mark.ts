import type { Store } from '../store/index.js';
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
}

/** What a decided tick saw: its mark, and the reminders that were due (they fire with its decision). */
export interface DecidedTick {
  mark: WorldMark;
  dueReminders: readonly { id: number }[];
}

const BASELINE_KEY = 'tick.baseline';
const APPROVALS_VERSION_KEY = 'approvals.version';

/** Where the world stands now, given the watched clones' heads. */
export function worldMark(store: Store, heads: readonly RepoHead[], ownerDay?: string): WorldMark {
  return {
    lastEventId: store.inbox.lastDecidableId(),
    approvalsVersion: store.kv.get(APPROVALS_VERSION_KEY) ?? 0,
    repos: Object.fromEntries(heads.map((h) => [h.name, `${h.branch}@${h.head}`])),
    ...(ownerDay ? { ownerDay } : {}),
  };
}

/** What moved since the last decided tick, in words for the prompt; empty: the tick is quiet. */
export function changesSinceBaseline(store: Store, mark: WorldMark, dueReminders: number): string[] {
  const baseline = store.kv.get(BASELINE_KEY);
  if (!baseline) return ['first tick'];
  const changes: string[] = [];
  if (mark.lastEventId > baseline.lastEventId) changes.push('new events');
  if (mark.approvalsVersion !== baseline.approvalsVersion) changes.push('approvals changed');
  if (dueReminders > 0) changes.push(`${dueReminders} reminder(s) due`);
  if (mark.ownerDay && mark.ownerDay !== baseline.ownerDay) changes.push(`the owner's working day ${mark.ownerDay} began`);
  for (const [name, where] of Object.entries(mark.repos)) {
    if (baseline.repos[name] !== where) changes.push(`${name} moved to ${where}`);
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
  // A tick decided before the day began (a manual one at night) keeps the day the baseline had.
  const before = store.kv.get(BASELINE_KEY);
  const ownerDay = tick.mark.ownerDay ?? before?.ownerDay;
  store.kv.set(BASELINE_KEY, { ...tick.mark, approvalsVersion, ...(ownerDay ? { ownerDay } : {}) } satisfies WorldMark);
  store.reminders.markFired(tick.dueReminders.map((r) => r.id), now);
}

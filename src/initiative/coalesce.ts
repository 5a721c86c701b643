import type { InboxEvent, Store } from '../store/index.js';
import { subjectKey, subjectOfEvent } from './subject.js';

/**
 * Events that belong together are decided together (issue 14): one CI run fans out into
 * check_suite, check_run, workflow_job, workflow_run and status deliveries for one head
 * SHA, and a burst of comments and edits lands on one issue or pull request. Such an
 * event waits until `github.coalesceSeconds` have passed since the newest pending event
 * on its subject; then all of them are claimed and decided as one.
 *
 * The wait is computed from the inbox rows (their subject and `received_at`), never kept
 * in a timer's memory: after a restart the same rows give the same answer.
 */

/** The deliveries of a CI run: coalesced by their head SHA. Other SHA subjects are not. */
const CI_EVENTS = new Set(['check_suite', 'check_run', 'workflow_job', 'workflow_run', 'status']);

/** The subject an event is coalesced on: an issue or pull request, or a CI run's head SHA. */
export function coalesceKey(event: { source: string; kind: string; payload: unknown }): string | undefined {
  const subject = subjectOfEvent(event);
  if (!subject) return undefined;
  // Kinds are `github.<event>[.<action>]`.
  if ('sha' in subject && !CI_EVENTS.has(event.kind.split('.')[1] ?? '')) return undefined;
  return subjectKey(subject);
}

/** The group's events, itself first; `dueAt` when it is not due yet (all of them wait until then). */
export type Grouping = { due: true; ids: number[] } | { due: false; ids: number[]; dueAt: number };

/** Pending events' ids and arrival times (`Inbox.pendingOf`), read once per pass over the inbox. */
export type PendingRows = readonly { id: number; receivedAt: number }[];

export class Coalescer {
  /** Subject keys of pending events already read (null: none): each payload is parsed once. */
  private readonly keys = new Map<number, string | null>();

  constructor(
    private readonly store: Store,
    private readonly windowMs: number,
  ) {}

  /**
   * The group `event` belongs to: its pending siblings (same subject, itself first), or
   * when it becomes due — `windowMs` after the newest of them arrived.
   */
  group(event: InboxEvent, now: number, pending: () => PendingRows): Grouping {
    const key = this.keyOf(event.id, () => ({ ...event, payload: parse(event.payload) }));
    if (this.windowMs <= 0 || key === undefined || event.state !== 'pending') {
      this.keys.delete(event.id);
      return { due: true, ids: [event.id] };
    }
    const siblings = pending().filter((row) => row.id !== event.id && this.keyOfRow(row.id) === key);
    const newest = Math.max(event.receivedAt, ...siblings.map((row) => row.receivedAt));
    const ids = [event.id, ...siblings.map((row) => row.id)];
    if (now < newest + this.windowMs) return { due: false, ids, dueAt: newest + this.windowMs };
    for (const id of ids) this.keys.delete(id);
    return { due: true, ids };
  }

  private keyOfRow(id: number): string | undefined {
    return this.keyOf(id, () => {
      const row = this.store.inbox.get(id);
      return row ? { ...row, payload: parse(row.payload) } : undefined;
    });
  }

  private keyOf(id: number, read: () => { source: string; kind: string; payload: unknown } | undefined): string | undefined {
    let key = this.keys.get(id);
    if (key === undefined) {
      const event = read();
      key = (event && coalesceKey(event)) ?? null;
      this.keys.set(id, key);
    }
    return key ?? undefined;
  }
}

/**
 * One event's payload for a coalesced group: the first delivery's payload as it is (its
 * subject stays where the thread memory looks for it), and every other delivery under
 * `coalesced` with its event id, kind and delivery id; the prompt compacts all of them.
 * Both stores' decisions use it (initiative.ts, team-decisions.ts).
 */
export function coalescedPayload(lead: unknown, others: readonly { event: { id: number; kind: string; deliveryId?: string | null }; payload: unknown }[]): unknown {
  const base = lead && typeof lead === 'object' && !Array.isArray(lead) ? (lead as Record<string, unknown>) : { payload: lead };
  const coalesced = others.map(({ event, payload }) => ({
    eventId: event.id,
    kind: event.kind,
    ...(event.deliveryId ? { deliveryId: event.deliveryId } : {}),
    payload,
  }));
  return { ...base, coalesced };
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Retention on a team (issue 19, `store.retainDays` of issue 18): what the shared tables no
 * longer need after the window is deleted in batches of at most PG_PRUNE_BATCH rows, one
 * statement (one short transaction) per step; the caller yields to its loop between steps.
 *
 * Any node may run it, and two may run it at once: every batch is picked `FOR UPDATE SKIP
 * LOCKED`, so two prunes take disjoint rows and never wait on each other, and each
 * statement re-checks its conditions on the rows it locked — a row another prune deleted
 * first is simply not there. No role is needed, and a node killed mid-pass leaves only
 * whole batches done (each is its own transaction).
 *
 * What goes, once older than the window:
 * - finished actions (succeeded, failed, denied, expired: states nothing moves out of),
 *   with the capability tokens spent on them, unless an approval notice for them still
 *   waits to be sent;
 * - handled inbox rows (decided or filtered: final too) with their bodies, decisions and
 *   tick keys, once no action points at them any more — so an event whose action is not
 *   finished (awaiting approval, approved, running under a lease) stays, and with it its
 *   decision;
 * - sent or digested notification lines, notices sent (done), and the per-channel rows of
 *   notices no longer waiting;
 * - the model usage ledger's rows, the redelivery sweep's requests, fired reminders, and
 *   the keys of quiet tick slots (no event: pg-011);
 * - the `nodes` row of a node silent for the whole window (it left; its chain stays);
 * - login sessions that have expired (at once: they are refused already).
 *
 * Never: an event pending or claimed (leased or not), an action not finished, a held
 * notification (a digest will list it), and the log (the database refuses it anyway).
 * Inbox rows and redelivery requests are kept at least REDELIVERY_REACH: the sweep asks
 * GitHub again for any delivery of its last days the inbox does not hold.
 */
import type { Queryable } from './connect.js';

/** Rows per statement at most. */
export const PG_PRUNE_BATCH = 500;

/** GitHub lists deliveries about three days back; the sweep's own bookkeeping keeps a week (redeliveries.ts). */
const REDELIVERY_REACH_MS = 7 * 86_400_000;

/** What one pass removed: SQLite's report (no spool on a team: its fields stay 0) and the team's other tables. */
export interface PgPruneReport {
  /** Handled inbox rows deleted, with their bodies, decisions and tick keys. */
  inboxRows: number;
  segments: 0;
  spoolBytes: 0;
  /** Finished actions deleted (with the capability tokens spent on them). */
  actions: number;
  /** Notification lines, sent notices and their per-channel rows. */
  notifyRows: number;
  /** Model usage, redelivery requests, fired reminders, quiet tick slots, departed nodes' rows and expired login sessions. */
  bookkeepingRows: number;
}

interface PruneStatement {
  counts: 'inboxRows' | 'actions' | 'notifyRows' | 'bookkeepingRows';
  /** `$1` the cutoff (epoch ms), `$2` the batch size: deletes at most $2 rows. */
  sql: string;
  /** `window`: `retainDays` before now (the default); `floored`: kept at least the redelivery sweep's reach; `now`: anything past its end. */
  cutoff?: 'floored' | 'now';
}

const FINISHED = `('succeeded', 'failed', 'denied', 'expired')`;

/**
 * In this order: actions first, so that an old event whose actions all finished long ago
 * goes in the same pass. A data-modifying WITH deletes the rows pointing at a row in the
 * statement that deletes it; the foreign keys are checked at its end.
 */
const STATEMENTS: readonly PruneStatement[] = [
  {
    counts: 'actions',
    sql: `WITH doomed AS (
        SELECT a.id FROM actions a
        WHERE a.state IN ${FINISHED} AND a.updated_at < $1
          AND NOT EXISTS (SELECT 1 FROM notify_queue q WHERE q.key = 'approval:' || a.id AND q.done_at IS NULL)
        ORDER BY a.updated_at LIMIT $2
        FOR UPDATE OF a SKIP LOCKED
      ), spent AS (
        DELETE FROM capability_uses c USING doomed WHERE c.action_id = doomed.id
      )
      DELETE FROM actions a USING doomed WHERE a.id = doomed.id`,
  },
  {
    counts: 'inboxRows',
    cutoff: 'floored',
    sql: `WITH doomed AS (
        SELECT i.id FROM inbox i
        WHERE i.state IN ('decided', 'filtered') AND i.received_at < $1 AND COALESCE(i.decided_at, i.received_at) < $1
          AND NOT EXISTS (SELECT 1 FROM actions a WHERE a.event_id = i.id)
          AND NOT EXISTS (SELECT 1 FROM decisions d JOIN actions a ON a.decision_id = d.id WHERE d.event_id = i.id)
        ORDER BY i.received_at LIMIT $2
        FOR UPDATE OF i SKIP LOCKED
      ), tick_keys AS (
        DELETE FROM ticks t USING doomed WHERE t.event_id = doomed.id
      ), its_decisions AS (
        DELETE FROM decisions d USING doomed WHERE d.event_id = doomed.id
      )
      DELETE FROM inbox i USING doomed WHERE i.id = doomed.id`,
  },
  {
    counts: 'notifyRows',
    sql: `DELETE FROM notify_queue WHERE id IN (
        SELECT id FROM notify_queue WHERE done_at IS NOT NULL AND done_at < $1 ORDER BY done_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
  },
  {
    counts: 'notifyRows',
    // A notice still waiting keeps its channels' rows: whoever sends it skips those.
    sql: `DELETE FROM notify_deliveries WHERE (key, channel) IN (
        SELECT d.key, d.channel FROM notify_deliveries d
        WHERE d.at < $1 AND NOT EXISTS (SELECT 1 FROM notify_queue q WHERE q.key = d.key AND q.done_at IS NULL)
        ORDER BY d.at LIMIT $2 FOR UPDATE OF d SKIP LOCKED)`,
  },
  {
    counts: 'notifyRows',
    sql: `DELETE FROM notify_log WHERE key IN (
        SELECT key FROM notify_log WHERE state IN ('sent', 'digested') AND created_at < $1 ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
  },
  {
    counts: 'bookkeepingRows',
    sql: `DELETE FROM model_usage WHERE id IN (
        SELECT id FROM model_usage WHERE at < $1 ORDER BY at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
  },
  {
    counts: 'bookkeepingRows',
    cutoff: 'floored',
    sql: `DELETE FROM redeliveries WHERE guid IN (
        SELECT guid FROM redeliveries WHERE requested_at < $1 ORDER BY requested_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
  },
  {
    counts: 'bookkeepingRows',
    // A node silent for the whole window has left the team: its row would be listed by `vigil
    // status` for ever. Its chain in the log stays, and it is back on its next heartbeat.
    sql: `DELETE FROM nodes WHERE name IN (
        SELECT name FROM nodes WHERE heartbeat_at < $1 ORDER BY heartbeat_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
  },
  {
    counts: 'bookkeepingRows',
    sql: `DELETE FROM ticks WHERE slot IN (
        SELECT slot FROM ticks WHERE event_id IS NULL AND enqueued_at < $1 ORDER BY enqueued_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
  },
  {
    counts: 'bookkeepingRows',
    sql: `DELETE FROM reminders WHERE id IN (
        SELECT id FROM reminders WHERE fired_at IS NOT NULL AND fired_at < $1 ORDER BY fired_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
  },
  {
    counts: 'bookkeepingRows',
    // A login that expired is refused already; a node deletes them only at a login (web-sessions.ts).
    cutoff: 'now',
    sql: `DELETE FROM web_sessions WHERE id_hash IN (
        SELECT id_hash FROM web_sessions WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
  },
];

function cutoffOf(statement: PruneStatement, now: number, retainMs: number): number {
  if (statement.cutoff === 'now') return now;
  return now - (statement.cutoff === 'floored' ? Math.max(retainMs, REDELIVERY_REACH_MS) : retainMs);
}

export class PgRetention {
  constructor(private readonly db: Queryable) {}

  private readonly batch = PG_PRUNE_BATCH;

  /** One pass over everything older than `now - retainMs`: each `next()` is one statement, and yields the rows it deleted. */
  async *steps(now: number, retainMs: number): AsyncGenerator<number, PgPruneReport> {
    const report: PgPruneReport = { inboxRows: 0, segments: 0, spoolBytes: 0, actions: 0, notifyRows: 0, bookkeepingRows: 0 };
    for (const statement of STATEMENTS) {
      const cutoff = cutoffOf(statement, now, retainMs);
      for (;;) {
        const removed = (await this.db.query(statement.sql, [cutoff, this.batch])).rowCount ?? 0;
        report[statement.counts] += removed;
        yield removed;
        // A short batch was the last; rows skipped as locked belong to a prune running beside this one.
        if (removed < this.batch) break;
      }
    }
    return report;
  }
}

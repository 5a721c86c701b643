/**
 * A team's reminders (issue 19, migration pg-014): a `remind` action adds one row, keyed
 * by the action's id; once due, it fires as one tick event in the shared inbox — the row
 * locked (`FOR UPDATE SKIP LOCKED`), its event inserted and `fired_at` set in one
 * transaction — so however many nodes look, each reminder is enqueued once, and a node
 * killed before it fired one leaves it to the next that looks.
 *
 * The event is the SQLite tick's shape (src/tick/service.ts `TickPayload`): a tick whose
 * `dueReminders` the decision reads, as a home's tick carries the reminders due with it.
 */
import type pg from 'pg';
import type { Clock } from '../../clock.js';
import type { Queryable } from './connect.js';

export interface PgDueReminder {
  id: number;
  actionId: string;
  dueAt: number;
  note: string;
}

/** The body of a reminder's tick event. */
export function reminderTickBody(reminder: PgDueReminder): Buffer {
  const { id, dueAt, note } = reminder;
  return Buffer.from(JSON.stringify({ trigger: 'reminder', dueReminders: [{ id, dueAt, note }], changes: ['1 reminder(s) due'] }));
}

export class PgReminders {
  constructor(
    private readonly db: Queryable,
    private readonly node: string,
    private readonly clock: Clock,
  ) {}

  /** The action's reminder; a second add for the same action (a retry) changes nothing. Whether it was added. */
  async add(actionId: string, dueAt: number, note: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      'INSERT INTO reminders (action_id, due_at, note, created_at, node) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (action_id) DO NOTHING',
      [actionId, dueAt, note, this.clock.now(), this.node],
    );
    return rowCount === 1;
  }

  /** Inside the caller's transaction: up to `limit` due reminders nobody else is firing, locked until it commits. */
  async lockDue(tx: pg.PoolClient, now: number, limit: number): Promise<PgDueReminder[]> {
    const { rows } = await tx.query<{ id: string; action_id: string; due_at: string; note: string }>(
      `SELECT id, action_id, due_at, note FROM reminders WHERE fired_at IS NULL AND due_at <= $1
       ORDER BY due_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [now, limit],
    );
    return rows.map((r) => ({ id: Number(r.id), actionId: r.action_id, dueAt: Number(r.due_at), note: r.note }));
  }

  /** Inside the transaction that locked it: its tick event, and the reminder marked fired with it. The event's id. */
  async fire(tx: pg.PoolClient, reminder: PgDueReminder, now: number): Promise<number> {
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO inbox (source, kind, body, received_at, received_by) VALUES ('tick', 'tick', $1, $2, $3) RETURNING id`,
      [reminderTickBody(reminder), now, this.node],
    );
    const eventId = Number(rows[0]!.id);
    await tx.query('UPDATE reminders SET fired_at = $2, fired_by = $3, event_id = $4 WHERE id = $1 AND fired_at IS NULL', [reminder.id, now, this.node, eventId]);
    return eventId;
  }

  /** When the next unfired reminder is due; undefined when none waits. */
  async nextDue(): Promise<number | undefined> {
    const row = (await this.db.query<{ at: string | null }>('SELECT min(due_at) AS at FROM reminders WHERE fired_at IS NULL')).rows[0];
    return row?.at == null ? undefined : Number(row.at);
  }
}

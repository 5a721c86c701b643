/**
 * What a team's quiet-tick rule reads and keeps in PostgreSQL (issue 19): the parts of
 * the world mark that live in the team's tables, and the baseline — the mark of the last
 * decided tick — in one row (`tick_baseline`, migration pg-011), written in the
 * transaction that decides the tick. Whichever node holds the tick role next compares
 * with what the last holder's decisions left, not with a memory of its own.
 *
 * The rule itself (what counts as a change, what a decided tick leaves) is the tick's
 * (src/tick/world-mark.ts): here are only the rows. The mark is stored as JSON the nodes
 * wrote; it is read back as the shape the tick expects.
 */
import crypto from 'node:crypto';
import type pg from 'pg';
import type { TickBaseline } from '../kv-keys.js';
import type { Queryable } from './connect.js';

/** The world mark's parts that a team's tables hold. */
export interface TeamTablesMark {
  /** The newest event that is not a tick and was not set aside (SQLite's `inbox.lastDecidableId`). */
  lastEventId: number;
  /**
   * A fingerprint of the approvals: which actions await the owner, and when one was last
   * asked for. An approval asked for, answered or expired changes it — what SQLite's
   * counter (`approvals.version`) counts — and nothing else does: an approved action
   * carried out does not.
   */
  approvalsVersion: number;
}

export async function readTablesMark(q: Queryable): Promise<TeamTablesMark> {
  const { rows } = await q.query<{ last_event_id: number; awaiting: string; last_asked: number }>(
    `SELECT
       (SELECT COALESCE(max(id), 0) FROM inbox WHERE source <> 'tick' AND state <> 'filtered') AS last_event_id,
       (SELECT COALESCE(string_agg(id, ',' ORDER BY id), '') FROM actions WHERE state = 'awaiting_approval') AS awaiting,
       (SELECT COALESCE(max(created_at), 0) FROM actions WHERE verdict = 'ask') AS last_asked`,
  );
  const row = rows[0]!;
  const digest = crypto.createHash('sha256').update(`${row.awaiting}|${row.last_asked}`).digest('hex');
  // 48 bits: a safe integer, so the mark keeps SQLite's shape (a number) and compares alike.
  return { lastEventId: row.last_event_id, approvalsVersion: Number.parseInt(digest.slice(0, 12), 16) };
}

/** The last decided tick's mark, or undefined before the first; `lock`: inside a transaction that will replace it. */
export async function readTickBaseline(q: Queryable, lock = false): Promise<TickBaseline | undefined> {
  const { rows } = await q.query<{ mark: TickBaseline | null }>(`SELECT mark FROM tick_baseline WHERE id = 1${lock ? ' FOR UPDATE' : ''}`);
  return rows[0]?.mark ?? undefined;
}

/**
 * Inside the transaction that decides tick `eventId`: its baseline replaces the one
 * there unless a later tick's decision wrote it already (two ticks decided at once by
 * two nodes: the later event saw the later world). False when it was left.
 */
export async function writeTickBaseline(tx: pg.PoolClient, eventId: number, mark: TickBaseline, node: string, now: number): Promise<boolean> {
  const { rowCount } = await tx.query(
    `UPDATE tick_baseline SET mark = $2, event_id = $1, decided_by = $3, decided_at = $4
     WHERE id = 1 AND (event_id IS NULL OR event_id < $1)`,
    [eventId, JSON.stringify(mark), node, now],
  );
  return rowCount === 1;
}

/** A tick event not decided yet: a slot that comes meanwhile waits for its decision rather than pile up another. */
export async function tickWaiting(q: Queryable): Promise<boolean> {
  const { rows } = await q.query<{ waiting: boolean }>(`SELECT EXISTS (SELECT 1 FROM inbox WHERE source = 'tick' AND state IN ('pending', 'claimed')) AS waiting`);
  return rows[0]!.waiting;
}

/** A manual tick (`vigil tick`): an event in the shared inbox and no slot, so no scheduled slot's key is taken. */
export async function enqueueManualTick(tx: pg.PoolClient, node: string, body: Buffer, now: number): Promise<number> {
  const { rows } = await tx.query<{ id: number }>(
    `INSERT INTO inbox (source, kind, body, received_at, received_by) VALUES ('tick', 'tick', $1, $2, $3) RETURNING id`,
    [body, now, node],
  );
  return rows[0]!.id;
}

/**
 * A team's scheduled ticks (issue 19): one per schedule slot, whichever node holds the
 * tick role (roles.ts) when the slot comes. The slot (its time, epoch ms) is the key of
 * `ticks` (migration pg-003), written in the transaction that puts the tick's event in the
 * inbox: a scheduler that took the role over from a dead one, or one that still believes
 * it holds it, cannot enqueue a slot that already has its tick. A quiet slot (nothing
 * moved since the last decided tick: src/tick/world-mark.ts) has its row too, with no
 * event (pg-011): a slot is looked at once, quiet or not, and a failover catches up only
 * what no holder looked at.
 */
import type pg from 'pg';
import type { Clock } from '../../clock.js';
import type { TickBaseline } from '../kv-keys.js';
import { enqueueManualTick, readTablesMark, readTickBaseline, tickWaiting, writeTickBaseline, type TeamTablesMark } from './tick-mark.js';

/** PostgreSQL's unique_violation: the slot's tick was enqueued by another transaction meanwhile. */
const UNIQUE_VIOLATION = '23505';

export class PgTicks {
  constructor(
    private readonly pool: pg.Pool,
    private readonly node: string,
    private readonly clock: Clock,
  ) {}

  /** The latest slot looked at (its tick enqueued, or found quiet), or undefined before the first. */
  async lastSlot(): Promise<number | undefined> {
    const row = (await this.pool.query<{ slot: number | null }>('SELECT max(slot) AS slot FROM ticks')).rows[0];
    return row?.slot ?? undefined;
  }

  /**
   * Inside the caller's transaction: the slot's tick event and its `ticks` row; the new
   * event's id, or undefined when the slot has its tick already. A unique violation (two
   * schedulers at once) aborts the transaction: `isSlotTaken` tells the caller so.
   */
  async enqueue(tx: pg.PoolClient, slot: number, body: Buffer): Promise<number | undefined> {
    const now = this.clock.now();
    const { rows } = await tx.query<{ event_id: number }>(
      `WITH e AS (
         INSERT INTO inbox (source, kind, body, received_at, received_by)
         SELECT 'tick', 'tick', $3, $4, $2 WHERE NOT EXISTS (SELECT 1 FROM ticks WHERE slot = $1)
         RETURNING id
       )
       INSERT INTO ticks (slot, event_id, node, enqueued_at) SELECT $1, id, $2, $4 FROM e RETURNING event_id`,
      [slot, this.node, body, now],
    );
    return rows[0]?.event_id;
  }

  /**
   * Inside the caller's transaction: the quiet slot's row, with no event. False when the
   * slot was looked at already (another holder, or a tick enqueued for it).
   */
  async skip(tx: pg.PoolClient, slot: number): Promise<boolean> {
    const { rowCount } = await tx.query(
      'INSERT INTO ticks (slot, event_id, node, enqueued_at) VALUES ($1, NULL, $2, $3) ON CONFLICT (slot) DO NOTHING',
      [slot, this.node, this.clock.now()],
    );
    return rowCount === 1;
  }

  /** `vigil tick` asked of a node's store: the manual tick's event, keyed by no slot. */
  enqueueManual(tx: pg.PoolClient, body: Buffer): Promise<number> {
    return enqueueManualTick(tx, this.node, body, this.clock.now());
  }

  /** The world mark's parts the team's tables hold (tick-mark.ts). */
  tables(q: pg.Pool | pg.PoolClient = this.pool): Promise<TeamTablesMark> {
    return readTablesMark(q);
  }

  /** The last decided tick's mark; `lock` inside the transaction that replaces it. */
  baseline(q: pg.Pool | pg.PoolClient = this.pool, lock = false): Promise<TickBaseline | undefined> {
    return readTickBaseline(q, lock);
  }

  /** Inside the transaction that decides tick `eventId`: what it saw becomes the baseline. */
  writeBaseline(tx: pg.PoolClient, eventId: number, mark: TickBaseline): Promise<boolean> {
    return writeTickBaseline(tx, eventId, mark, this.node, this.clock.now());
  }

  /** Whether a tick event waits to be decided. */
  waiting(): Promise<boolean> {
    return tickWaiting(this.pool);
  }
}

export function isSlotTaken(err: unknown): boolean {
  return (err as { code?: unknown }).code === UNIQUE_VIOLATION;
}

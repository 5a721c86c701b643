/**
 * A team's scheduled ticks (issue 19): one per schedule slot, whichever node holds the
 * tick role (roles.ts) when the slot comes. The slot (its time, epoch ms) is the key of
 * `ticks` (migration pg-003), written in the transaction that puts the tick's event in the
 * inbox: a scheduler that took the role over from a dead one, or one that still believes
 * it holds it, cannot enqueue a slot that already has its tick.
 */
import type pg from 'pg';
import type { Clock } from '../../clock.js';

/** PostgreSQL's unique_violation: the slot's tick was enqueued by another transaction meanwhile. */
const UNIQUE_VIOLATION = '23505';

export class PgTicks {
  constructor(
    private readonly pool: pg.Pool,
    private readonly node: string,
    private readonly clock: Clock,
  ) {}

  /** The latest slot that has its tick, or undefined before the first. */
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
}

export function isSlotTaken(err: unknown): boolean {
  return (err as { code?: unknown }).code === UNIQUE_VIOLATION;
}

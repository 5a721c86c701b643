/**
 * What a team's redelivery sweep remembers (issue 19, migration pg-006): the delivery ids
 * asked of GitHub, one row each, and the sweep under way or last done (`sweep_state`).
 * The node that holds the `redelivery` role reads the state to know when a sweep is due;
 * its worker, which sweeps, writes it. Delivery ids are GitHub's (the `guid` a listing
 * names): bound as parameters, never spliced into SQL.
 */
import type pg from 'pg';
import type { Queryable } from './connect.js';

/** GitHub keeps deliveries about three days; a row older than a week can never be asked about again. */
const KEEP_MS = 7 * 24 * 60 * 60 * 1000;

export interface SweepState {
  /** When the last whole sweep started; null before the first. */
  lastSweepAt: number | null;
  /** When the latest sweep started, by which worker (`node:w<pid>`), and whether it ended (done or failed). */
  startedAt: number | null;
  startedBy: string | null;
  ended: boolean;
}

export interface AskedRow {
  guid: string;
  requestedAt: number;
  toldAt: number | null;
}

export class PgRedeliveries {
  constructor(
    private readonly pool: pg.Pool,
    /** Who writes: a worker's holder name (`node:w<pid>`). */
    private readonly holder: string,
  ) {}

  async state(): Promise<SweepState> {
    const row = (await this.pool.query<{ last_sweep_at: number | null; started_at: number | null; started_by: string | null; ended: boolean }>(
      'SELECT last_sweep_at, started_at, started_by, ended FROM sweep_state WHERE id = 1',
    )).rows[0];
    return { lastSweepAt: row?.last_sweep_at ?? null, startedAt: row?.started_at ?? null, startedBy: row?.started_by ?? null, ended: row?.ended ?? true };
  }

  /** A sweep starts: under way until `finish` or `fail`; a holder that dies leaves it so, for the next holder to see. */
  async begin(startedAt: number): Promise<void> {
    await this.pool.query('UPDATE sweep_state SET started_at = $1, started_by = $2, ended = false WHERE id = 1', [startedAt, this.holder]);
  }

  /** Of these delivery ids, the ones asked for, with when and whether the owner was told. */
  async asked(guids: readonly string[]): Promise<AskedRow[]> {
    if (guids.length === 0) return [];
    const { rows } = await this.pool.query<{ guid: string; requested_at: number; told_at: number | null }>(
      'SELECT guid, requested_at, told_at FROM redeliveries WHERE guid = ANY($1::text[])',
      [guids],
    );
    return rows.map((r) => ({ guid: r.guid, requestedAt: r.requested_at, toldAt: r.told_at }));
  }

  /** Of these delivery ids, the ones the shared inbox holds (any node took them). */
  async stored(guids: readonly string[]): Promise<string[]> {
    if (guids.length === 0) return [];
    const { rows } = await this.pool.query<{ delivery_id: string }>('SELECT delivery_id FROM inbox WHERE delivery_id = ANY($1::text[])', [guids]);
    return rows.map((r) => r.delivery_id);
  }

  /** When the team stored its first GitHub delivery (ids grow with time). */
  async firstDeliveryAt(): Promise<number | undefined> {
    const row = (await this.pool.query<{ at: number }>(`SELECT received_at AS at FROM inbox WHERE source = 'github' ORDER BY id LIMIT 1`)).rows[0];
    return row?.at;
  }

  /**
   * In the caller's transaction: `guid` was asked for. A row there already (another holder
   * asked in the moment its role slipped away) stays as it is: the second record is harmless.
   */
  async remember(tx: Queryable, guid: string, deliveryId: number, at: number): Promise<void> {
    await tx.query(
      'INSERT INTO redeliveries (guid, delivery_id, requested_at, requested_by) VALUES ($1, $2, $3, $4) ON CONFLICT (guid) DO NOTHING',
      [guid, deliveryId, at, this.holder],
    );
  }

  async told(tx: Queryable, guid: string, at: number): Promise<void> {
    await tx.query('UPDATE redeliveries SET told_at = $2 WHERE guid = $1 AND told_at IS NULL', [guid, at]);
  }

  /**
   * In the caller's transaction: this worker's sweep that started at `startedAt` went
   * through; rows too old to matter go. A sweep another worker began since is left alone.
   */
  async finish(tx: Queryable, startedAt: number): Promise<void> {
    await tx.query('UPDATE sweep_state SET last_sweep_at = $1, ended = true WHERE id = 1 AND started_at = $1 AND started_by = $2', [startedAt, this.holder]);
    await tx.query('DELETE FROM redeliveries WHERE requested_at < $1', [startedAt - KEEP_MS]);
  }

  /** This worker's sweep failed: it ended (the next waits its hour, as on SQLite), and the last whole sweep stays what it was. */
  async fail(startedAt: number): Promise<void> {
    await this.pool.query('UPDATE sweep_state SET ended = true WHERE id = 1 AND started_at = $1 AND started_by = $2', [startedAt, this.holder]);
  }
}

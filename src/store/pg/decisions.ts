/**
 * The team store's decisions (issue 19): one row per decided event, written in the
 * transaction that marks the event decided under its lease; `event_id` is unique, so a
 * second decision of one event fails even if a lease were ever wrong.
 */
import type pg from 'pg';
import type { Clock } from '../../clock.js';

export interface PgNewDecision {
  eventId: number;
  act: boolean;
  summary: string;
  model: string;
}

export class PgDecisions {
  constructor(
    private readonly node: string,
    private readonly clock: Clock,
  ) {}

  /** Inside the deciding transaction; returns the decision's id. */
  async insert(tx: pg.PoolClient, d: PgNewDecision): Promise<number> {
    const { rows } = await tx.query<{ id: number }>(
      `INSERT INTO decisions (event_id, act, summary, model, decided_by, decided_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [d.eventId, d.act, d.summary, d.model, this.node, this.clock.now()],
    );
    return rows[0]!.id;
  }
}

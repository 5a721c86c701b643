/**
 * The team store's actions (issue 19): the state machine of docs/architecture.md, with
 * `approved → running` claimed by any node's worker under a lease (leases.ts). A running
 * action whose node died is claimed again once its lease runs out — the handlers' effect
 * marker keeps its effect to one, as today — until `maxAttempts` claims, after which it
 * fails instead of running again.
 */
import type pg from 'pg';
import type { Clock } from '../../clock.js';
import type { ActionState } from '../actions.js';
import type { Queryable } from './connect.js';
import { ACTION_LEASES, claimRows, releaseRow, renewRows, stillHeld, type Lease } from './leases.js';

/** The same state machine as the SQLite store's. */
export type PgActionState = ActionState;

export interface PgNewAction {
  id: string;
  eventId?: number;
  decisionId?: number;
  action: string;
  params: unknown;
  rationale: string;
  repo?: string;
  state: 'awaiting_approval' | 'approved' | 'denied';
  verdict: 'allow' | 'ask' | 'deny';
  reason: string;
}

export interface PgAction {
  id: string;
  eventId: number | null;
  action: string;
  params: unknown;
  state: PgActionState;
  claimedBy: string | null;
  leaseUntil: number | null;
  attempts: number;
  result: unknown;
  error: string | null;
}

interface Row {
  id: string;
  event_id: number | null;
  action: string;
  params: string;
  state: PgActionState;
  claimed_by: string | null;
  lease_until: number | null;
  attempts: number;
  result: string | null;
  error: string | null;
}

const toAction = (r: Row): PgAction => ({
  id: r.id,
  eventId: r.event_id,
  action: r.action,
  params: JSON.parse(r.params) as unknown,
  state: r.state,
  claimedBy: r.claimed_by,
  leaseUntil: r.lease_until,
  attempts: r.attempts,
  result: r.result === null ? null : (JSON.parse(r.result) as unknown),
  error: r.error,
});

export class PgActions {
  private readonly lease: Lease;

  constructor(
    private readonly pool: pg.Pool,
    node: string,
    private readonly clock: Clock,
    leaseSeconds: number,
    private readonly maxAttempts = 3,
  ) {
    this.lease = { node, leaseMs: leaseSeconds * 1000 };
  }

  /** Inside the transaction that records the decision proposing it. */
  async insert(client: Queryable, a: PgNewAction): Promise<void> {
    const now = this.clock.now();
    await client.query(
      `INSERT INTO actions (id, event_id, decision_id, action, params, rationale, repo, state, verdict, reason, created_at, updated_at)
       VALUES ($1, $2, $11, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
      [a.id, a.eventId ?? null, a.action, JSON.stringify(a.params), a.rationale, a.repo ?? null, a.state, a.verdict, a.reason, now, a.decisionId ?? null],
    );
  }

  /**
   * approved → running for this node, oldest first, with the running actions of dead
   * nodes; those already claimed `maxAttempts` times fail first instead. (A node claiming
   * one meanwhile holds its row lock; the failing UPDATE then re-reads the fresh lease and
   * leaves it.)
   */
  async claim(limit = 1): Promise<PgAction[]> {
    const now = this.clock.now();
    await this.pool.query(
      `UPDATE actions SET state = 'failed', claimed_by = NULL, lease_until = NULL, updated_at = $1,
         error = 'its worker stopped ' || attempts || ' times while running it'
       WHERE state = 'running' AND lease_until <= $1 AND attempts >= $2`,
      [now, this.maxAttempts],
    );
    return (await claimRows<Row>(this.pool, ACTION_LEASES, this.lease, now, limit)).map(toAction);
  }

  renew(ids: readonly string[]): Promise<string[]> {
    return renewRows(this.pool, ACTION_LEASES, this.lease, ids, this.clock.now());
  }

  release(id: string): Promise<boolean> {
    return releaseRow(this.pool, ACTION_LEASES, this.lease.node, id);
  }

  /** running → succeeded | failed, only while this node holds the action's lease. */
  async finish(id: string, outcome: { state: 'succeeded'; result: unknown } | { state: 'failed'; error: string }, db: Queryable = this.pool): Promise<boolean> {
    const now = this.clock.now();
    const { rowCount } = await db.query(
      `UPDATE actions SET state = $4, result = $5, error = $6, updated_at = $3, claimed_by = NULL, lease_until = NULL
       WHERE ${stillHeld(ACTION_LEASES)}`,
      [
        id,
        this.lease.node,
        now,
        outcome.state,
        outcome.state === 'succeeded' ? JSON.stringify(outcome.result ?? null) : null,
        outcome.state === 'failed' ? outcome.error : null,
      ],
    );
    return rowCount === 1;
  }

  async get(id: string): Promise<PgAction | undefined> {
    const row = (await this.pool.query<Row>('SELECT * FROM actions WHERE id = $1', [id])).rows[0];
    return row ? toAction(row) : undefined;
  }
}

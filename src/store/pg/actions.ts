/**
 * The team store's actions (issue 19): the state machine of docs/architecture.md, with
 * `approved → running` claimed by any node's worker under a lease (leases.ts). A running
 * action whose node died is claimed again once its lease runs out — the handlers' effect
 * marker keeps its effect to one, as today — until `maxAttempts` claims, after which it
 * fails instead of running again.
 */
import type pg from 'pg';
import type { Clock } from '../../clock.js';
import { VigilError } from '../../errors.js';
import type { ActionState } from '../actions.js';
import type { Queryable } from './connect.js';
import { ACTION_LEASES, anyClaimable, claimRows, releaseRow, renewRows, stillHeld, type Claimable, type Lease } from './leases.js';

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
  /** An `ask`'s end: unanswered by then, it expires (denied). */
  expiresAt?: number;
  /**
   * What it is about ("octo/app#7") when its params name it; otherwise it inherits its
   * decision's subject, as on SQLite (thread memory).
   */
  subject?: string;
}

export interface PgAction {
  id: string;
  eventId: number | null;
  decisionId: number | null;
  action: string;
  params: unknown;
  state: PgActionState;
  /** The policy's reason (a denial's, shown by thread memory). */
  reason: string;
  createdAt: number;
  expiresAt: number | null;
  /** Who approved it (an owner's channel), for an action approved in a home before `vigil migrate`; null when the policy allowed it. */
  answeredBy: string | null;
  claimedBy: string | null;
  leaseUntil: number | null;
  attempts: number;
  result: unknown;
  error: string | null;
}

/** An action failed instead of claimed again: its worker stopped `maxAttempts` times while running it. */
export interface PgExhausted {
  id: string;
  action: string;
  error: string;
}

interface Row {
  id: string;
  event_id: number | null;
  decision_id: number | null;
  action: string;
  params: string;
  state: PgActionState;
  reason: string;
  created_at: number;
  /** pg-004-home-copy. */
  expires_at?: number | null;
  /** pg-004-home-copy. */
  answered_by?: string | null;
  claimed_by: string | null;
  lease_until: number | null;
  attempts: number;
  result: string | null;
  error: string | null;
}

const toAction = (r: Row): PgAction => ({
  id: r.id,
  eventId: r.event_id,
  decisionId: r.decision_id,
  action: r.action,
  params: JSON.parse(r.params) as unknown,
  state: r.state,
  reason: r.reason,
  createdAt: r.created_at,
  expiresAt: r.expires_at ?? null,
  answeredBy: r.answered_by ?? null,
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
      `INSERT INTO actions (id, event_id, decision_id, action, params, rationale, repo, state, verdict, reason, created_at, updated_at,
                            expires_at, subject)
       VALUES ($1, $2, $11, $3, $4, $5, $6, $7, $8, $9, $10, $10, $12,
               COALESCE($13, (SELECT subject FROM decisions WHERE id = $11)))`,
      [a.id, a.eventId ?? null, a.action, JSON.stringify(a.params), a.rationale, a.repo ?? null, a.state, a.verdict, a.reason, now, a.decisionId ?? null,
        a.expiresAt ?? null, a.subject ?? null],
    );
  }

  /** The newest `limit` actions about a subject (thread memory), newest first. */
  async aboutSubject(subject: string, limit: number): Promise<PgAction[]> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM actions WHERE subject = $1 ORDER BY created_at DESC, id DESC LIMIT $2', [subject, limit]);
    return rows.map(toAction);
  }

  /** The subjects of these actions (those that have one), for recent-activity lines. */
  async subjectsOf(ids: readonly string[]): Promise<Map<string, string>> {
    if (!ids.length) return new Map();
    const { rows } = await this.pool.query<{ id: string; subject: string }>(
      'SELECT id, subject FROM actions WHERE id = ANY($1::text[]) AND subject IS NOT NULL',
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.subject]));
  }

  /**
   * Actions of one kind on one repository that ran (or run) since `since`, newest first:
   * what the team itself just did there, so the webhook its effect causes is known as its own.
   */
  async ranSince(action: string, repo: string, since: number): Promise<PgAction[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT * FROM actions WHERE state IN ('running', 'succeeded') AND action = $1 AND repo = lower($2) AND updated_at >= $3
       ORDER BY updated_at DESC LIMIT 100`,
      [action, repo, since],
    );
    return rows.map(toAction);
  }

  /** Approvals that wait for the owner, oldest first (the prompt's context lists them). */
  async pendingApprovals(limit = 50): Promise<PgAction[]> {
    const { rows } = await this.pool.query<Row>(`SELECT * FROM actions WHERE state = 'awaiting_approval' ORDER BY created_at, id LIMIT $1`, [limit]);
    return rows.map(toAction);
  }

  /**
   * approved → running for this node, oldest first, with the running actions of dead
   * nodes; those already claimed `maxAttempts` times fail first instead. (A node claiming
   * one meanwhile holds its row lock; the failing UPDATE then re-reads the fresh lease and
   * leaves it.)
   */
  async claim(limit = 1): Promise<PgAction[]> {
    return (await this.claimIn(this.pool, limit)).claimed;
  }

  /** Whether a worker that carries out `claimable` would claim an action now (or fail an exhausted one): nothing is claimed. */
  waiting(claimable: Claimable): Promise<boolean> {
    return anyClaimable(this.pool, ACTION_LEASES, this.clock.now(), claimable);
  }

  /**
   * `claim` inside the caller's transaction (a worker commits its claims with their
   * `action.started` lines), only of what it can carry out when `claimable` is given;
   * says which actions failed instead, so that their failure is logged with them.
   */
  async claimIn(db: Queryable, limit: number, claimable?: Claimable): Promise<{ claimed: PgAction[]; failed: PgExhausted[] }> {
    const now = this.clock.now();
    const { rows: failed } = await db.query<PgExhausted>(
      `UPDATE actions SET state = 'failed', claimed_by = NULL, lease_until = NULL, updated_at = $1,
         error = 'its worker stopped ' || attempts || ' times while running it'
       WHERE state = 'running' AND lease_until <= $1 AND attempts >= $2
       RETURNING id, action, error`,
      [now, this.maxAttempts],
    );
    const claimed = (await claimRows<Row>(db, ACTION_LEASES, this.lease, now, limit, claimable)).map(toAction);
    return { claimed, failed };
  }

  /**
   * A worker process that exited (its holder names its pid): its running actions wait as
   * approved again at once rather than for their leases. Their effects are looked for
   * before they are written again (the markers), as after any retry.
   */
  async releaseHolder(holder: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      `UPDATE actions SET state = 'approved', claimed_by = NULL, lease_until = NULL
       WHERE state = 'running' AND claimed_by = $1 RETURNING id`,
      [holder],
    );
    return rows.map((r) => r.id);
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

  /** The mark an effect keeps between its look and its write (a re-run's attempt number), or undefined. */
  async mark(id: string): Promise<unknown> {
    const row = (await this.pool.query<{ effect_mark: unknown }>('SELECT effect_mark FROM actions WHERE id = $1', [id])).rows[0];
    return row?.effect_mark ?? undefined;
  }

  /**
   * Writes the mark before the effect's request, durably, and only while this holder
   * still holds the action: one that lost its lease must not write, nor send the request.
   */
  async setMark(id: string, mark: unknown): Promise<void> {
    const { rowCount } = await this.pool.query(
      `UPDATE actions SET effect_mark = $4::jsonb WHERE ${stillHeld(ACTION_LEASES)}`,
      [id, this.lease.node, this.clock.now(), JSON.stringify(mark)],
    );
    if (rowCount !== 1) throw new VigilError('VIGIL_ERR_STORE', `action ${id}: this worker no longer holds it (its lease ran out); its effect is left to the holder`);
  }

  async get(id: string): Promise<PgAction | undefined> {
    const row = (await this.pool.query<Row>('SELECT * FROM actions WHERE id = $1', [id])).rows[0];
    return row ? toAction(row) : undefined;
  }

  /** The event each of these actions came from (an action with none, or unknown, absent). */
  async eventsOf(ids: readonly string[]): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const rows = (await this.pool.query<{ id: string; event_id: number }>('SELECT id, event_id FROM actions WHERE id = ANY($1::text[]) AND event_id IS NOT NULL', [ids])).rows;
    return new Map(rows.map((r) => [r.id, r.event_id]));
  }
}

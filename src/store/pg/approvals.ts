/**
 * The owner's answers on a team (issue 19): the actions the policy put in `ask`, waiting
 * as `awaiting_approval` in the shared `actions` table, and the capability tokens spent
 * on them (`capability_uses`, migration pg-007). An answer is one transaction: the row
 * locked (`FOR UPDATE`), the token's nonce spent, the state moved — guarded by
 * `awaiting_approval` — and its log line, so that whichever node or CLI answers first
 * wins and every other sees the approval closed.
 */
import type pg from 'pg';
import type { ActionState } from '../actions.js';
import type { Queryable } from './connect.js';

/** An action the owner is (or was) asked about, as the answer and the listing read it. */
export interface PgApproval {
  id: string;
  action: string;
  params: unknown;
  rationale: string;
  reason: string;
  repo: string | null;
  state: ActionState;
  createdAt: number;
  expiresAt: number | null;
  answeredBy: string | null;
}

interface Row {
  id: string;
  action: string;
  params: string;
  rationale: string;
  reason: string;
  repo: string | null;
  state: ActionState;
  created_at: number;
  expires_at: number | null;
  answered_by: string | null;
}

const COLUMNS = 'id, action, params, rationale, reason, repo, state, created_at, expires_at, answered_by';

const toApproval = (r: Row): PgApproval => ({
  id: r.id,
  action: r.action,
  params: JSON.parse(r.params) as unknown,
  rationale: r.rationale,
  reason: r.reason,
  repo: r.repo,
  state: r.state,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  answeredBy: r.answered_by,
});

export class PgApprovals {
  constructor(private readonly node: string) {}

  async get(db: Queryable, id: string): Promise<PgApproval | undefined> {
    const row = (await db.query<Row>(`SELECT ${COLUMNS} FROM actions WHERE id = $1`, [id])).rows[0];
    return row ? toApproval(row) : undefined;
  }

  /** The row locked for an answer: a concurrent answer waits, then reads it answered. */
  async lock(tx: pg.PoolClient, id: string): Promise<PgApproval | undefined> {
    const row = (await tx.query<Row>(`SELECT ${COLUMNS} FROM actions WHERE id = $1 FOR UPDATE`, [id])).rows[0];
    return row ? toApproval(row) : undefined;
  }

  /** Every action waiting for the owner, oldest first. */
  async pending(db: Queryable): Promise<PgApproval[]> {
    const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM actions WHERE state = 'awaiting_approval' ORDER BY created_at, id`);
    return rows.map(toApproval);
  }

  /** awaiting_approval → approved | denied with who answered; false when it was not waiting. */
  async answer(tx: pg.PoolClient, id: string, to: 'approved' | 'denied', by: string, now: number, reason?: string): Promise<boolean> {
    const { rowCount } = await tx.query(
      `UPDATE actions SET state = $2, answered_by = $3, answered_at = $4, answer_reason = $5, updated_at = $4
       WHERE id = $1 AND state = 'awaiting_approval'`,
      [id, to, by, now, reason ?? null],
    );
    return rowCount === 1;
  }

  /** Every approval whose time ran out moves to `expired`; returns them (for their log lines). */
  async expireDue(tx: pg.PoolClient, now: number): Promise<{ id: string; action: string }[]> {
    const { rows } = await tx.query<{ id: string; action: string }>(
      `UPDATE actions SET state = 'expired', reason = 'approval expired', updated_at = $1
       WHERE state = 'awaiting_approval' AND expires_at <= $1 RETURNING id, action`,
      [now],
    );
    return rows;
  }

  /** Spends a capability token's nonce inside the answer's transaction; false when it was spent before. */
  async spend(tx: pg.PoolClient, nonce: string, actionId: string, now: number): Promise<boolean> {
    const { rowCount } = await tx.query(
      'INSERT INTO capability_uses (nonce, action_id, used_at, used_by) VALUES ($1, $2, $3, $4) ON CONFLICT (nonce) DO NOTHING',
      [nonce, actionId, now, this.node],
    );
    return rowCount === 1;
  }
}

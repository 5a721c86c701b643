/**
 * Rule suggestions on a team (issue 15 on PostgreSQL, migration pg-021): what the owner's
 * answers in the shared `actions` table say (approvals since the last denial of an action
 * on a repository), the suggestions offered from them, and the capability token spent on
 * one. The same reads as the home's OwnerAnswers (src/store/owner-answers.ts), each in the
 * caller's transaction, so whichever node or CLI took the fifth approval offers once.
 */
import crypto from 'node:crypto';
import type pg from 'pg';
import type { RuleSuggestion, SuggestionState } from '../owner-answers.js';
import type { Queryable } from './connect.js';

interface Row {
  id: string;
  action: string;
  repo: string;
  approvals: number;
  state: SuggestionState;
  created_at: number;
  expires_at: number;
  answered_at: number | null;
}

const toSuggestion = (r: Row): RuleSuggestion => ({
  id: r.id,
  action: r.action,
  repo: r.repo,
  approvals: r.approvals,
  state: r.state,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  answeredAt: r.answered_at,
});

const COLUMNS = 'id, action, repo, approvals, state, created_at, expires_at, answered_at';

export class PgRuleSuggestions {
  constructor(private readonly node: string) {}

  /** Serialises the offers for one pair across nodes: two fifth approvals at once offer once. */
  async lockPair(tx: pg.PoolClient, action: string, repo: string): Promise<void> {
    await tx.query("SELECT pg_advisory_xact_lock(hashtextextended('rule-suggestion:' || $1 || ' ' || $2, 0))", [action, repo]);
  }

  /** When the owner last denied `action` on `repo` (undefined: never). */
  async lastDenial(db: Queryable, action: string, repo: string): Promise<number | undefined> {
    const row = (await db.query<{ at: number | null }>(
      `SELECT max(answered_at) AS at FROM actions WHERE action = $1 AND repo = $2 AND answered_at IS NOT NULL AND state = 'denied'`,
      [action, repo],
    )).rows[0];
    return row?.at ?? undefined;
  }

  /** Approvals of `action` on `repo` answered after `since` (exclusive). */
  async approvalsSince(db: Queryable, action: string, repo: string, since: number): Promise<number> {
    return (await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM actions WHERE action = $1 AND repo = $2 AND answered_at > $3 AND state <> 'denied'`,
      [action, repo, since],
    )).rows[0]!.n;
  }

  /** The newest suggestion for `action` on `repo`, whatever its state. */
  async latest(db: Queryable, action: string, repo: string): Promise<RuleSuggestion | undefined> {
    const row = (await db.query<Row>(`SELECT ${COLUMNS} FROM rule_suggestions WHERE action = $1 AND repo = $2 ORDER BY created_at DESC, id DESC LIMIT 1`, [action, repo])).rows[0];
    return row ? toSuggestion(row) : undefined;
  }

  async get(db: Queryable, id: string): Promise<RuleSuggestion | undefined> {
    const row = (await db.query<Row>(`SELECT ${COLUMNS} FROM rule_suggestions WHERE id = $1`, [id])).rows[0];
    return row ? toSuggestion(row) : undefined;
  }

  /** A new offer and its notice (`rule:<id>`, sent by whichever node's worker claims it), in the caller's transaction. */
  async offer(tx: pg.PoolClient, s: { action: string; repo: string; approvals: number }, now: number, expiresAt: number): Promise<RuleSuggestion> {
    // Unguessable: the id is in the link, and a link is a credential only with its token.
    const id = `r${crypto.randomBytes(9).toString('base64url')}`;
    const row = (await tx.query<Row>(
      `INSERT INTO rule_suggestions (id, action, repo, approvals, state, created_at, expires_at) VALUES ($1, $2, $3, $4, 'offered', $5, $6) RETURNING ${COLUMNS}`,
      [id, s.action, s.repo, s.approvals, now, expiresAt],
    )).rows[0]!;
    await tx.query(`INSERT INTO notify_queue (key, kind, payload, created_at) VALUES ($1, 'rule', $2::jsonb, $3) ON CONFLICT (key) DO NOTHING`, [
      `rule:${id}`,
      JSON.stringify({ suggestionId: id }),
      now,
    ]);
    return toSuggestion(row);
  }

  /** The suggestion locked for its acceptance: a concurrent one on another node waits, then reads it accepted. */
  async lock(tx: pg.PoolClient, id: string): Promise<RuleSuggestion | undefined> {
    const row = (await tx.query<Row>(`SELECT ${COLUMNS} FROM rule_suggestions WHERE id = $1 FOR UPDATE`, [id])).rows[0];
    return row ? toSuggestion(row) : undefined;
  }

  /** Spends a rule token's nonce; false when it was spent before (on any node). */
  async spend(tx: pg.PoolClient, nonce: string, suggestionId: string, now: number): Promise<boolean> {
    const { rowCount } = await tx.query(
      'INSERT INTO capability_uses (nonce, suggestion_id, used_at, used_by) VALUES ($1, $2, $3, $4) ON CONFLICT (nonce) DO NOTHING',
      [nonce, suggestionId, now, this.node],
    );
    return rowCount === 1;
  }

  /** offered → accepted, once; false when it was accepted before. */
  async accept(tx: pg.PoolClient, id: string, now: number): Promise<boolean> {
    const { rowCount } = await tx.query(`UPDATE rule_suggestions SET state = 'accepted', answered_at = $2, answered_by = $3 WHERE id = $1 AND state = 'offered'`, [
      id,
      now,
      this.node,
    ]);
    return rowCount === 1;
  }
}

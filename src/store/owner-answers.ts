import crypto from 'node:crypto';
import type { Db } from './db.js';

/** One answer the owner gave to an approval, as the dream and the rule suggestions read it. */
export interface AnsweredApproval {
  actionId: string;
  action: string;
  repo: string;
  answer: 'approved' | 'denied';
  answeredAt: number;
  reason: string | null;
}

export type SuggestionState = 'offered' | 'accepted';

/** A permission rule vigil offered the owner after a run of approvals (issue 15). */
export interface RuleSuggestion {
  id: string;
  action: string;
  repo: string;
  /** How many approvals in a row led to it. */
  approvals: number;
  state: SuggestionState;
  createdAt: number;
  expiresAt: number;
  answeredAt: number | null;
}

interface SuggestionRow {
  id: string;
  action: string;
  repo: string;
  approvals: number;
  state: SuggestionState;
  created_at: number;
  expires_at: number;
  answered_at: number | null;
}

function toSuggestion(row: SuggestionRow): RuleSuggestion {
  return {
    id: row.id,
    action: row.action,
    repo: row.repo,
    approvals: row.approvals,
    state: row.state,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    answeredAt: row.answered_at,
  };
}

/**
 * The owner's answers (actions with `answered_at`: approvals and denials, never the
 * policy's own verdicts or expiries) and the rule suggestions made from them.
 */
export class OwnerAnswers {
  constructor(private readonly db: Db) {}

  /** Every answer about an action on a repository, oldest first (the dream reads them all). */
  all(): AnsweredApproval[] {
    const rows = this.db
      .prepare(
        `SELECT id, action, repo, state, answered_at, answer_reason FROM actions
         WHERE answered_at IS NOT NULL AND repo IS NOT NULL ORDER BY answered_at, id`,
      )
      .all() as { id: string; action: string; repo: string; state: string; answered_at: number; answer_reason: string | null }[];
    return rows.map((r) => ({
      actionId: r.id,
      action: r.action,
      repo: r.repo,
      answer: r.state === 'denied' ? 'denied' : 'approved',
      answeredAt: r.answered_at,
      reason: r.answer_reason,
    }));
  }

  /** When the owner last denied `action` on `repo` (undefined: never). */
  lastDenial(action: string, repo: string): number | undefined {
    const row = this.db
      .prepare(`SELECT max(answered_at) AS at FROM actions WHERE action = ? AND repo = ? AND answered_at IS NOT NULL AND state = 'denied'`)
      .get(action, repo) as { at: number | null };
    return row.at ?? undefined;
  }

  /** Approvals of `action` on `repo` answered after `since` (exclusive). */
  approvalsSince(action: string, repo: string, since: number): number {
    const row = this.db
      .prepare(
        `SELECT count(*) AS n FROM actions WHERE action = ? AND repo = ? AND answered_at > ? AND state <> 'denied'`,
      )
      .get(action, repo, since) as { n: number };
    return row.n;
  }

  /** The newest suggestion for `action` on `repo`, whatever its state. */
  latestSuggestion(action: string, repo: string): RuleSuggestion | undefined {
    const row = this.db
      .prepare('SELECT * FROM rule_suggestions WHERE action = ? AND repo = ? ORDER BY created_at DESC, rowid DESC LIMIT 1')
      .get(action, repo) as SuggestionRow | undefined;
    return row ? toSuggestion(row) : undefined;
  }

  suggestion(id: string): RuleSuggestion | undefined {
    const row = this.db.prepare('SELECT * FROM rule_suggestions WHERE id = ?').get(id) as SuggestionRow | undefined;
    return row ? toSuggestion(row) : undefined;
  }

  offer(s: { action: string; repo: string; approvals: number }, now: number, expiresAt: number): RuleSuggestion {
    // Unguessable: the id is in the link, and a link is a credential only with its token.
    const id = `r${crypto.randomBytes(9).toString('base64url')}`;
    this.db
      .prepare(`INSERT INTO rule_suggestions (id, action, repo, approvals, state, created_at, expires_at) VALUES (?, ?, ?, ?, 'offered', ?, ?)`)
      .run(id, s.action, s.repo, s.approvals, now, expiresAt);
    return this.suggestion(id)!;
  }

  /** offered → accepted, once; false when it was accepted before. */
  accept(id: string, now: number): boolean {
    return (
      this.db.prepare(`UPDATE rule_suggestions SET state = 'accepted', answered_at = ? WHERE id = ? AND state = 'offered'`).run(now, id)
        .changes === 1
    );
  }
}

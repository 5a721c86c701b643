import crypto from 'node:crypto';
import type { Db } from './db.js';

/** docs/architecture.md, conventions: proposed → awaiting_approval → approved → running → succeeded | failed | denied | expired. */
export type ActionState =
  | 'proposed'
  | 'awaiting_approval'
  | 'approved'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'denied'
  | 'expired';

export const FINAL_STATES: readonly ActionState[] = ['succeeded', 'failed', 'denied', 'expired'];

export type Verdict = 'allow' | 'ask' | 'deny';

export interface NewAction {
  eventId?: number;
  decisionId?: number;
  action: string;
  params: unknown;
  rationale: string;
  repo?: string;
  verdict: Verdict;
  reason: string;
  /**
   * What the action is about ("octo/app#7", "octo/app@<sha>"), when its params name it;
   * otherwise it inherits its decision's subject (see migration 014).
   */
  subject?: string;
}

export interface ActionRecord {
  id: string;
  eventId: number | null;
  decisionId: number | null;
  action: string;
  params: unknown;
  rationale: string;
  repo: string | null;
  state: ActionState;
  verdict: Verdict;
  reason: string;
  createdAt: number;
  updatedAt: number;
  expiresAt: number | null;
  answeredBy: string | null;
  /** When the owner answered (ms); null for an action nobody was asked about. */
  answeredAt: number | null;
  /** The owner's own words with the answer (`vigil deny ID --reason …`), redacted and capped. */
  answerReason: string | null;
  attempts: number;
  workerPid: number | null;
  result: unknown;
  error: string | null;
}

interface Row {
  id: string;
  event_id: number | null;
  decision_id: number | null;
  action: string;
  params: string;
  rationale: string;
  repo: string | null;
  state: ActionState;
  verdict: Verdict;
  reason: string;
  created_at: number;
  updated_at: number;
  expires_at: number | null;
  answered_by: string | null;
  answered_at: number | null;
  answer_reason: string | null;
  attempts: number;
  worker_pid: number | null;
  result: string | null;
  error: string | null;
}

function toRecord(row: Row): ActionRecord {
  return {
    id: row.id,
    eventId: row.event_id,
    decisionId: row.decision_id,
    action: row.action,
    params: JSON.parse(row.params),
    rationale: row.rationale,
    repo: row.repo,
    state: row.state,
    verdict: row.verdict,
    reason: row.reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
    answeredBy: row.answered_by,
    answeredAt: row.answered_at,
    answerReason: row.answer_reason,
    attempts: row.attempts,
    workerPid: row.worker_pid,
    result: row.result === null ? null : JSON.parse(row.result),
    error: row.error,
  };
}

/** Short ids an owner can type: `vigil approve k7m2q9xa`. */
export function newActionId(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const bytes = crypto.randomBytes(8);
  let id = '';
  for (const b of bytes) id += alphabet[b % alphabet.length];
  return id;
}

export interface TransitionPatch {
  expiresAt?: number | null;
  answeredBy?: string;
  answeredAt?: number;
  answerReason?: string;
  workerPid?: number | null;
  result?: unknown;
  error?: string | null;
  reason?: string;
}

export class Actions {
  constructor(private readonly db: Db) {}

  insert(action: NewAction, state: ActionState, now: number, expiresAt?: number): ActionRecord {
    const id = newActionId();
    this.db
      .prepare(
        `INSERT INTO actions (id, event_id, decision_id, action, params, rationale, repo, state, verdict, reason,
                              created_at, updated_at, expires_at, subject)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, COALESCE(?, (SELECT subject FROM decisions WHERE id = ?)))`,
      )
      .run(
        id,
        action.eventId ?? null,
        action.decisionId ?? null,
        action.action,
        JSON.stringify(action.params ?? {}),
        action.rationale,
        action.repo ?? null,
        state,
        action.verdict,
        action.reason,
        now,
        now,
        expiresAt ?? null,
        action.subject ?? null,
        action.decisionId ?? null,
      );
    return this.get(id)!;
  }

  get(id: string): ActionRecord | undefined {
    const row = this.db.prepare('SELECT * FROM actions WHERE id = ?').get(id) as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  /**
   * The only way a state changes: one UPDATE guarded by the expected old state, so two
   * processes racing for the same action cannot both win.
   */
  transition(id: string, from: readonly ActionState[], to: ActionState, now: number, patch: TransitionPatch = {}): boolean {
    const sets = ['state = ?', 'updated_at = ?'];
    const values: unknown[] = [to, now];
    const column: Record<keyof TransitionPatch, string> = {
      expiresAt: 'expires_at',
      answeredBy: 'answered_by',
      answeredAt: 'answered_at',
      answerReason: 'answer_reason',
      workerPid: 'worker_pid',
      result: 'result',
      error: 'error',
      reason: 'reason',
    };
    for (const [key, value] of Object.entries(patch) as [keyof TransitionPatch, unknown][]) {
      if (value === undefined) continue;
      sets.push(`${column[key]} = ?`);
      values.push(key === 'result' && value !== null ? JSON.stringify(value) : value);
    }
    const marks = from.map(() => '?').join(', ');
    const sql = `UPDATE actions SET ${sets.join(', ')} WHERE id = ? AND state IN (${marks})`;
    return this.db.prepare(sql).run(...values, id, ...from).changes === 1;
  }

  inState(states: readonly ActionState[]): ActionRecord[] {
    const marks = states.map(() => '?').join(', ');
    const rows = this.db
      .prepare(`SELECT * FROM actions WHERE state IN (${marks}) ORDER BY created_at, id`)
      .all(...states) as Row[];
    return rows.map(toRecord);
  }

  pendingApprovals(): ActionRecord[] {
    return this.inState(['awaiting_approval']);
  }

  countInState(state: ActionState): number {
    return (this.db.prepare('SELECT count(*) AS n FROM actions WHERE state = ?').get(state) as { n: number }).n;
  }

  /** approved → running for one worker, oldest first. */
  /**
   * `lane`: `agent` claims only `agent.task` actions, `main` everything else (issue 15: a
   * long task must not hold back a notification); unset, any action.
   */
  claimNextApproved(workerPid: number, now: number, lane?: ActionLane): ActionRecord | undefined {
    const inLane = lane === 'agent' ? `AND action = 'agent.task'` : lane === 'main' ? `AND action <> 'agent.task'` : '';
    return this.db
      .transaction(() => {
        const row = this.db
          .prepare(`SELECT id FROM actions WHERE state = 'approved' ${inLane} ORDER BY updated_at, id LIMIT 1`)
          .get() as { id: string } | undefined;
        if (!row) return undefined;
        this.db
          .prepare(
            `UPDATE actions SET state = 'running', worker_pid = ?, attempts = attempts + 1, updated_at = ?
             WHERE id = ? AND state = 'approved'`,
          )
          .run(workerPid, now, row.id);
        return this.get(row.id);
      })
      .immediate();
  }

  /**
   * A worker died: its running actions go back to `approved` so the next worker
   * finishes them (handlers are idempotent by action id), or to `failed` once they
   * have been tried `maxAttempts` times.
   */
  releaseRunning(now: number, maxAttempts: number, workerPid?: number): { retried: string[]; failed: string[] } {
    const rows = this.db
      .prepare(`SELECT id, attempts, worker_pid FROM actions WHERE state = 'running'`)
      .all() as { id: string; attempts: number; worker_pid: number | null }[];
    const retried: string[] = [];
    const failed: string[] = [];
    for (const row of rows) {
      if (workerPid !== undefined && row.worker_pid !== workerPid) continue;
      if (row.attempts >= maxAttempts) {
        const error = `the worker died during each of ${row.attempts} attempts`;
        if (this.transition(row.id, ['running'], 'failed', now, { error, workerPid: null })) failed.push(row.id);
      } else if (this.transition(row.id, ['running'], 'approved', now, { workerPid: null })) {
        retried.push(row.id);
      }
    }
    return { retried, failed };
  }

  /** Approvals whose time ran out; the caller moves each to `expired`. */
  dueForExpiry(now: number): ActionRecord[] {
    const rows = this.db
      .prepare(`SELECT * FROM actions WHERE state = 'awaiting_approval' AND expires_at <= ? ORDER BY expires_at`)
      .all(now) as Row[];
    return rows.map(toRecord);
  }

  /** When the owner last answered an approval (any way: dashboard, push, CLI). */
  lastAnsweredAt(): number | undefined {
    const row = this.db.prepare('SELECT max(updated_at) AS at FROM actions WHERE answered_by IS NOT NULL').get() as { at: number | null };
    return row.at ?? undefined;
  }

  /** The newest `limit` actions about a subject (thread memory), newest first. */
  aboutSubject(subject: string, limit: number): ActionRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM actions WHERE subject = ? ORDER BY created_at DESC, rowid DESC LIMIT ?')
      .all(subject, limit) as Row[];
    return rows.map(toRecord);
  }

  /** The subjects of these actions (those that have one), for recent-activity lines. */
  subjectsOf(ids: readonly string[]): Map<string, string> {
    if (!ids.length) return new Map();
    const marks = ids.map(() => '?').join(', ');
    const rows = this.db
      .prepare(`SELECT id, subject FROM actions WHERE id IN (${marks}) AND subject IS NOT NULL`)
      .all(...ids) as { id: string; subject: string }[];
    return new Map(rows.map((r) => [r.id, r.subject]));
  }

  /** The newest actions of one kind that were approved (running, done, failed or waiting to run), newest first. */
  recentOfKind(action: string, limit: number): ActionRecord[] {
    const rows = this.db
      .prepare(`SELECT * FROM actions WHERE action = ? AND state IN ('approved', 'running', 'succeeded', 'failed') ORDER BY created_at DESC LIMIT ?`)
      .all(action, limit) as Row[];
    return rows.map(toRecord);
  }

  /**
   * Actions of one kind on one repository that ran (or are running) since `since`: what
   * vigil itself just did there, so the webhook its effect causes is known as its own.
   * The state index narrows the rows; only a GitHub action's few recent runs remain.
   */
  ranSince(action: string, repo: string, since: number): ActionRecord[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM actions WHERE state IN ('running', 'succeeded') AND action = ? AND repo = lower(?) AND updated_at >= ?
         ORDER BY updated_at DESC LIMIT 100`,
      )
      .all(action, repo, since) as Row[];
    return rows.map(toRecord);
  }

  nextExpiry(): number | undefined {
    const row = this.db
      .prepare(`SELECT min(expires_at) AS at FROM actions WHERE state = 'awaiting_approval'`)
      .get() as { at: number | null };
    return row.at ?? undefined;
  }
}

/** The worker's two lanes: agent tasks, and everything else beside them. */
export type ActionLane = 'agent' | 'main';

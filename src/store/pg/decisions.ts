/**
 * The team store's decisions (issue 19): one row per decided event, written in the
 * transaction that marks the event decided under its lease; `event_id` is unique, so a
 * second decision of one event fails even if a lease were ever wrong. Their subjects
 * (pg-004) are what thread memory reads by, as on SQLite.
 */
import type pg from 'pg';
import type { Clock } from '../../clock.js';
import type { ThreadDecision } from '../small-tables.js';
import type { Queryable } from './connect.js';

export interface PgNewDecision {
  eventId: number;
  act: boolean;
  summary: string;
  model: string;
  /** What its event was about ("octo/app#7", "octo/app@<sha>"); none for a tick. */
  subject?: string;
}

export class PgDecisions {
  constructor(
    private readonly pool: Queryable,
    private readonly node: string,
    private readonly clock: Clock,
  ) {}

  /** Inside the deciding transaction; returns the decision's id. */
  async insert(tx: pg.PoolClient, d: PgNewDecision): Promise<number> {
    const { rows } = await tx.query<{ id: number }>(
      `INSERT INTO decisions (event_id, act, summary, model, decided_by, decided_at, subject) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [d.eventId, d.act, d.summary, d.model, this.node, this.clock.now(), d.subject ?? null],
    );
    return rows[0]!.id;
  }

  /** Inside the deciding transaction: the owner's answer to the instruction this decision decided (pg-015). */
  async setAnswer(tx: pg.PoolClient, decisionId: number, answer: object): Promise<void> {
    await tx.query('UPDATE decisions SET answer = $2 WHERE id = $1', [decisionId, JSON.stringify(answer)]);
  }

  /** The answer to the instruction event `eventId`, once a node has decided it; undefined before. */
  async answerTo(eventId: number): Promise<unknown> {
    const { rows } = await this.pool.query<{ answer: unknown }>('SELECT answer FROM decisions WHERE event_id = $1 AND answer IS NOT NULL', [eventId]);
    return rows[0]?.answer;
  }

  /** The newest `limit` decisions about a subject (thread memory), newest first; with `actedOnly`, those that proposed something. */
  async aboutSubject(subject: string, limit: number, actedOnly = false): Promise<ThreadDecision[]> {
    const { rows } = await this.pool.query<ThreadDecision>(
      `SELECT d.id, d.event_id AS "eventId", i.kind, d.act, d.summary, d.decided_at AS "createdAt"
       FROM decisions d JOIN inbox i ON i.id = d.event_id
       WHERE d.subject = $1 AND (d.act OR NOT $2) ORDER BY d.id DESC LIMIT $3`,
      [subject, actedOnly, limit],
    );
    return rows;
  }

  /** The subjects of these events' decisions (those that have one), for recent-activity lines. */
  async subjectsOfEvents(eventIds: readonly number[]): Promise<Map<number, string>> {
    if (!eventIds.length) return new Map();
    const { rows } = await this.pool.query<{ eventId: number; subject: string }>(
      `SELECT event_id AS "eventId", subject FROM decisions WHERE event_id = ANY($1::bigint[]) AND subject IS NOT NULL`,
      [eventIds],
    );
    return new Map(rows.map((r) => [r.eventId, r.subject]));
  }
}

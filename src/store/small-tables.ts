import type { Db } from './db.js';
import type { KvCounterKey, KvKey, KvValues } from './kv-keys.js';

/** Reminders set by the `remind` action; a due one wakes the next tick. */
export class Reminders {
  constructor(private readonly db: Db) {}

  add(actionId: string, dueAt: number, note: string): void {
    this.db
      .prepare('INSERT INTO reminders (action_id, due_at, note) VALUES (?, ?, ?) ON CONFLICT(action_id) DO NOTHING')
      .run(actionId, dueAt, note);
  }

  due(now: number): { id: number; dueAt: number; note: string }[] {
    return this.db
      .prepare('SELECT id, due_at AS dueAt, note FROM reminders WHERE fired_at IS NULL AND due_at <= ? ORDER BY due_at')
      .all(now) as { id: number; dueAt: number; note: string }[];
  }

  markFired(ids: number[], now: number): void {
    const stmt = this.db.prepare('UPDATE reminders SET fired_at = ? WHERE id = ? AND fired_at IS NULL');
    for (const id of ids) stmt.run(now, id);
  }

  nextDue(): number | undefined {
    const row = this.db.prepare('SELECT min(due_at) AS at FROM reminders WHERE fired_at IS NULL').get() as {
      at: number | null;
    };
    return row.at ?? undefined;
  }
}

/** Small named values: tick baselines, counters, watermarks. The keys and their types are in kv-keys.ts. */
export class KeyValue {
  constructor(private readonly db: Db) {}

  get<K extends KvKey>(key: K): KvValues[K] | undefined {
    const row = this.db.prepare('SELECT value FROM kv WHERE key = ?').get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as KvValues[K]) : undefined;
  }

  set<K extends KvKey>(key: K, value: KvValues[K]): void {
    this.db
      .prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
      .run(key, JSON.stringify(value));
  }

  increment(key: KvCounterKey): number {
    const next = (this.get(key) ?? 0) + 1;
    this.set(key, next);
    return next;
  }
}

/**
 * Log records written in the same transaction as the state change they describe,
 * then moved to the daily log by the daemon (the single log writer). A crash between
 * commit and append loses nothing; the record's outbox id travels into the log entry
 * as `oid`, so a crash between append and delete does not write it twice.
 */
export class LogOutbox {
  // Prepared once: the webhook path stages a record per delivery, and preparing a
  // statement costs as much as running it.
  private readonly insert;
  private readonly select;
  private readonly remove;

  constructor(db: Db) {
    this.insert = db.prepare('INSERT INTO log_outbox (record) VALUES (?)');
    this.select = db.prepare('SELECT id, record FROM log_outbox WHERE id > ? ORDER BY id LIMIT ?');
    this.remove = db.prepare('DELETE FROM log_outbox WHERE id <= ?');
  }

  add(record: Record<string, unknown>): void {
    this.insert.run(JSON.stringify(record));
  }

  /** Records after `afterOid`, oldest first. */
  pending(limit = 1000, afterOid = 0): { oid: number; record: Record<string, unknown> }[] {
    const rows = this.select.all(afterOid, limit) as { id: number; record: string }[];
    return rows.map((r) => ({ oid: r.id, record: JSON.parse(r.record) as Record<string, unknown> }));
  }

  deleteThrough(oid: number): void {
    this.remove.run(oid);
  }
}

export interface DecisionRow {
  eventId: number;
  act: boolean;
  summary: string;
  model: string;
  /** What its event was about ("octo/app#7", "octo/app@<sha>"); none for a tick (migration 014). */
  subject?: string;
}

/** A past decision as thread memory shows it: with its event's kind. */
export interface ThreadDecision {
  id: number;
  eventId: number;
  kind: string;
  act: boolean;
  summary: string;
  createdAt: number;
}

export class Decisions {
  constructor(private readonly db: Db) {}

  insert(decision: DecisionRow, now: number): number {
    const info = this.db
      .prepare('INSERT INTO decisions (event_id, act, summary, model, created_at, subject) VALUES (?, ?, ?, ?, ?, ?)')
      .run(decision.eventId, decision.act ? 1 : 0, decision.summary, decision.model, now, decision.subject ?? null);
    return Number(info.lastInsertRowid);
  }

  /** The newest `limit` decisions about a subject (thread memory), newest first; with `actedOnly`, those that proposed something. */
  aboutSubject(subject: string, limit: number, actedOnly = false): ThreadDecision[] {
    const rows = this.db
      .prepare(
        `SELECT d.id, d.event_id AS eventId, i.kind, d.act, d.summary, d.created_at AS createdAt
         FROM decisions d JOIN inbox i ON i.id = d.event_id
         WHERE d.subject = ? AND d.act >= ? ORDER BY d.id DESC LIMIT ?`,
      )
      .all(subject, actedOnly ? 1 : 0, limit) as (Omit<ThreadDecision, 'act'> & { act: number })[];
    return rows.map((r) => ({ ...r, act: r.act === 1 }));
  }

  /** The subjects of these events' decisions (those that have one), for recent-activity lines. */
  subjectsOfEvents(eventIds: readonly number[]): Map<number, string> {
    if (!eventIds.length) return new Map();
    const marks = eventIds.map(() => '?').join(', ');
    const rows = this.db
      .prepare(`SELECT event_id AS eventId, subject FROM decisions WHERE event_id IN (${marks}) AND subject IS NOT NULL`)
      .all(...eventIds) as { eventId: number; subject: string }[];
    return new Map(rows.map((r) => [r.eventId, r.subject]));
  }

  countForEvent(eventId: number): number {
    return (this.db.prepare('SELECT count(*) AS n FROM decisions WHERE event_id = ?').get(eventId) as { n: number }).n;
  }
}

/**
 * A SQLite home as `vigil migrate` reads it (issue 19): the inbox with each delivery's
 * body (from the spool or its row), decisions, actions with their approvals' answers,
 * and the daily logs line by line — read only, never written: vigil.db is opened read-only and unmigrated, the spool and the
 * files are only read. Each part comes out in the canonical form both sides of the copy
 * are compared in (`digestOf`), so the copy can be checked row for row.
 */
import Database from 'better-sqlite3';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { VigilError } from '../errors.js';
import { listLogDates, logFilePath, parseEntryLine, splitLines, verifyChainLines } from '../logs/index.js';
import { MIGRATIONS } from './migrations.js';
import type { Db } from './db.js';
import { exportDreamState, exportNotices, exportSuggestions, exportUsage, type CopiedDreamState, type CopiedNotice, type CopiedSuggestion, type CopiedUsage } from './home-export-state.js';
import { Spool } from './spool.js';

export interface CopiedEvent {
  id: number;
  source: string;
  kind: string;
  deliveryId: string | null;
  body: Buffer;
  /** 16 hex digits, or null for a row stored before replays were keyed (or not a webhook). */
  bodyDigest: string | null;
  receivedAt: number;
  /** A claimed event of a stopped home is pending again (its claimer is gone). */
  state: 'pending' | 'decided' | 'filtered';
  attempts: number;
  decidedAt: number | null;
}

export interface CopiedDecision {
  id: number;
  eventId: number;
  act: boolean;
  summary: string;
  model: string;
  decidedAt: number;
  subject: string | null;
}

export interface CopiedAction {
  id: string;
  eventId: number | null;
  decisionId: number | null;
  action: string;
  params: string;
  rationale: string;
  repo: string | null;
  state: string;
  verdict: string;
  reason: string;
  createdAt: number;
  updatedAt: number;
  expiresAt: number | null;
  answeredBy: string | null;
  answeredAt: number | null;
  answerReason: string | null;
  attempts: number;
  result: string | null;
  error: string | null;
  subject: string | null;
}

/** One day's chain: each line exactly as in the file, "\n" included. */
export interface CopiedLogLine {
  day: string;
  seq: number;
  ts: string;
  type: string;
  hash: string;
  line: string;
}

export interface CopiedMemoryVersion {
  path: string;
  version: number;
  content: string | null;
  writtenAt: number | null;
}

/** A dashboard login (only the SHA-256 of its id is kept, on both sides). */
export interface CopiedSession {
  idHash: string;
  csrf: string;
  createdAt: number;
  expiresAt: number;
}

/**
 * A reminder that has not fired yet. One that fired is the home's history, not the team's
 * work: its tick is in the inbox copied, and it stays in the home (\`leftBehind\`).
 */
export interface CopiedReminder {
  id: number;
  /** The remind action's id, which keys the reminder on both sides; \`home-reminder:<id>\` for a row without one. */
  actionId: string;
  dueAt: number;
  note: string;
}

/** A browser subscribed to web push. */
export interface CopiedSubscription {
  endpoint: string;
  p256dh: string;
  auth: string;
  userAgent: string | null;
  createdAt: number;
  backoffUntil: number | null;
  lastOkAt: number | null;
}

/** Count and SHA-256 of a part's rows in canonical form, in the part's order. */
export class Digest {
  count = 0;
  private readonly hash = crypto.createHash('sha256');

  add(row: unknown): void {
    this.count++;
    this.hash.update(JSON.stringify(row, (_k, v: unknown) => (Buffer.isBuffer(v) ? sha256(v) : v)));
    this.hash.update('\n');
  }

  hex(): string {
    return this.hash.copy().digest('hex');
  }
}

export function sha256(bytes: Buffer | string): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/**
 * What the home holds that stays where it is, said so by the copy. Carried instead (and so
 * not here): \`rule_suggestions\` and \`model_usage\` whole, kv's \`dream.state\`, and the
 * approval and rule notices not sent yet (src/store/home-export-state.ts says why each).
 * - \`notify_log\`: what the home sent, held and digested. The team's copy of it would
 *   serve the hourly cap and the exactly-once per channel of notices the home already
 *   sent or dropped; held notices of a stopped home are stale by the time a node starts.
 * - \`notify_queue\`'s other rows: notices sent (history, as notify_log), and the unsent
 *   ones about a stopped home's moment — a test, an alert, a digest of what it held.
 * - kv's other keys: each is one process's own memory — the tick's baseline and last
 *   outcome, the sweep's mark, the redeliveries asked, the channels' health, the desktop's
 *   popups, the search index's marks, the refused deliveries' counts, the login vigil acts
 *   as. A node keeps its own of each (the team's \`ticks\`, \`redeliveries\`,
 *   \`webhook_rejections\`, \`team.acting_login\`, its own cache) and learns them again.
 */
const LEFT_BEHIND = ['notify_log'] as const;

/** Both sides order by code unit, whatever their collation. */
const byKey = <T>(key: (row: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

export class HomeExport {
  private constructor(
    private readonly db: Db,
    private readonly spool: Spool,
    private readonly logsDir: string,
  ) {}

  /**
   * Opens the home for reading and refuses what cannot be copied faithfully: a schema
   * this vigil has not brought up to date, log records not yet moved to the daily log,
   * an action a worker was running. (The memory folder is read by src/memory's
   * `memoryVersions`.)
   */
  static open(paths: { db: string; logs: string }): HomeExport {
    if (!fs.existsSync(paths.db)) throw new VigilError('VIGIL_ERR_MIGRATE_SOURCE', `${paths.db} does not exist: the daemon never ran on this home, so there is nothing to copy`);
    let db: Db;
    try {
      db = new Database(paths.db, { readonly: true, fileMustExist: true });
    } catch (err) {
      throw new VigilError('VIGIL_ERR_MIGRATE_SOURCE', `${paths.db}: ${(err as Error).message}`, { cause: err });
    }
    const home = new HomeExport(db, new Spool(path.join(path.dirname(paths.db), 'spool')), paths.logs);
    try {
      home.refuseUnready();
    } catch (err) {
      home.close();
      throw err;
    }
    return home;
  }

  private refuseUnready(): void {
    const refuse = (why: string) => {
      throw new VigilError('VIGIL_ERR_MIGRATE_SOURCE', why);
    };
    const applied = new Set((this.db.prepare('SELECT id FROM _migrations').all() as { id: string }[]).map((r) => r.id));
    const missing = MIGRATIONS.filter((m) => !applied.has(m.id)).map((m) => m.id);
    if (missing.length) refuse(`vigil.db lacks migrations ${missing.join(', ')}: start and stop the daemon once with this vigil to bring it up to date`);
    const outbox = this.count('log_outbox');
    if (outbox) refuse(`${outbox} log records wait in the outbox for the daemon to write them into the daily log (a command such as vigil dream ran while it was stopped): start and stop the daemon once`);
    const running = this.db.prepare(`SELECT count(*) AS n FROM actions WHERE state = 'running'`).pluck().get() as number;
    if (running) refuse(`${running} actions were running when the home stopped: start and stop the daemon once, so they are retried or failed`);
  }

  count(table: string): number {
    return this.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  }

  /** Tables left in the home with rows in them, and how many; and subscriptions a team's table refuses (not https://). */
  leftBehind(): Array<{ table: string; rows: number }> {
    const tables = LEFT_BEHIND.map((table) => ({ table: table as string, rows: this.count(table) }));
    const kv = this.db.prepare(`SELECT count(*) FROM kv WHERE key <> 'dream.state'`).pluck().get() as number;
    tables.push({ table: 'kv (but dream.state)', rows: kv });
    tables.push({ table: 'notify_queue (sent, or no question)', rows: this.count('notify_queue') - this.notices().length });
    const refused = this.count('push_subscriptions') - this.subscriptions().length;
    const fired = this.count('reminders') - this.reminders().length;
    return [...tables, { table: 'push_subscriptions (not https://)', rows: refused }, { table: 'reminders (fired)', rows: fired }].filter((t) => t.rows > 0);
  }

  /** The reminders still to fire, so a \`remind\` the owner was promised fires on the team (any node, once). */
  reminders(): CopiedReminder[] {
    const rows = this.db.prepare('SELECT id, action_id, due_at, note FROM reminders WHERE fired_at IS NULL ORDER BY id').all() as Array<{ id: number; action_id: string | null; due_at: number; note: string }>;
    return rows.map((r) => ({ id: r.id, actionId: r.action_id ?? `home-reminder:${r.id}`, dueAt: r.due_at, note: r.note }));
  }

  /** The dashboard's logins, so a browser logged in on the home is on the team's nodes too. */
  sessions(): CopiedSession[] {
    const rows = this.db.prepare('SELECT id_hash, csrf, created_at, expires_at FROM web_sessions').all() as Array<{ id_hash: string; csrf: string; created_at: number; expires_at: number }>;
    return rows.map((r) => ({ idHash: r.id_hash, csrf: r.csrf, createdAt: r.created_at, expiresAt: r.expires_at })).sort(byKey((r) => r.idHash));
  }

  /**
   * The browsers subscribed to web push, so a phone keeps its notifications. Only https://
   * endpoints: the team's table refuses others (a push service is always https; the
   * home's subscribe route refuses others too, so only a hand-edited row is left behind).
   */
  subscriptions(): CopiedSubscription[] {
    const rows = this.db.prepare('SELECT endpoint, p256dh, auth, user_agent, created_at, backoff_until, last_ok_at FROM push_subscriptions').all() as Array<{
      endpoint: string; p256dh: string; auth: string; user_agent: string | null; created_at: number; backoff_until: number | null; last_ok_at: number | null;
    }>;
    return rows
      .filter((r) => r.endpoint.startsWith('https://'))
      .map((r) => ({ endpoint: r.endpoint, p256dh: r.p256dh, auth: r.auth, userAgent: r.user_agent, createdAt: r.created_at, backoffUntil: r.backoff_until, lastOkAt: r.last_ok_at }))
      .sort(byKey((r) => r.endpoint));
  }

  /** Every rule suggestion the home offered (src/store/home-export-state.ts). */
  suggestions(): CopiedSuggestion[] {
    return exportSuggestions(this.db);
  }

  /** The approval and rule notices the home's worker had not sent. */
  notices(): CopiedNotice[] {
    return exportNotices(this.db);
  }

  /** The model usage ledger by id, in batches. */
  usage(): Generator<CopiedUsage[]> {
    return exportUsage(this.db);
  }

  /** The last dream and how far it read, its mark as the team's dreamer keeps it; undefined when the home never dreamed. */
  dreamState(): CopiedDreamState | undefined {
    return exportDreamState(this.db, (day) => {
      const file = logFilePath(this.logsDir, day);
      if (!fs.existsSync(file)) return [];
      let end = 0;
      return this.logDay(day).lines.map((l) => ({ end: (end += Buffer.byteLength(l.line)), seq: l.seq }));
    });
  }

  /** The inbox by id, in batches of at most `batch` rows or about 32 MB of bodies. */
  *events(batch = 500): Generator<CopiedEvent[]> {
    const stmt = this.db
      .prepare('SELECT id, source, kind, delivery_id, payload, payload_ref, body_digest, received_at, state, attempts, decided_at FROM inbox WHERE id > ? ORDER BY id LIMIT ?')
      .safeIntegers(true);
    let after = 0n;
    for (;;) {
      const rows = stmt.all(after, batch) as Array<Record<string, bigint | string | null>>;
      if (rows.length === 0) return;
      let out: CopiedEvent[] = [];
      let bytes = 0;
      for (const row of rows) {
        const event = this.event(row);
        out.push(event);
        bytes += event.body.length;
        if (bytes > 32 * 1024 * 1024) {
          yield out;
          out = [];
          bytes = 0;
        }
      }
      if (out.length) yield out;
      after = rows[rows.length - 1]!.id as bigint;
    }
  }

  private event(row: Record<string, bigint | string | null>): CopiedEvent {
    const ref = row.payload_ref as string | null;
    let body: Buffer;
    try {
      body = Buffer.from(ref ? this.spool.read(ref) : (row.payload as string), 'utf8');
    } catch (err) {
      throw new VigilError('VIGIL_ERR_MIGRATE_SOURCE', `event ${row.id}: its body cannot be read (${(err as Error).message})`, { cause: err });
    }
    const digest = row.body_digest as bigint | null;
    const state = row.state as string;
    return {
      id: Number(row.id),
      source: row.source as string,
      kind: row.kind as string,
      deliveryId: row.delivery_id as string | null,
      body,
      bodyDigest: digest === null ? null : BigInt.asUintN(64, digest).toString(16).padStart(16, '0'),
      receivedAt: Number(row.received_at),
      state: state === 'claimed' ? 'pending' : (state as CopiedEvent['state']),
      attempts: Number(row.attempts),
      decidedAt: row.decided_at === null ? null : Number(row.decided_at),
    };
  }

  decisions(): CopiedDecision[] {
    const rows = this.db.prepare('SELECT id, event_id, act, summary, model, created_at, subject FROM decisions ORDER BY id').all() as Array<{
      id: number; event_id: number; act: number; summary: string; model: string; created_at: number; subject: string | null;
    }>;
    return rows.map((r) => ({ id: r.id, eventId: r.event_id, act: r.act !== 0, summary: r.summary, model: r.model, decidedAt: r.created_at, subject: r.subject }));
  }

  actions(): CopiedAction[] {
    const rows = this.db.prepare('SELECT * FROM actions').all() as Array<Record<string, string | number | null>>;
    // Ordered here, not by SQL: both sides of the copy must agree on the order, whatever their collation.
    rows.sort(byKey((r) => r.id as string));
    return rows.map((r) => ({
      id: r.id as string,
      eventId: r.event_id as number | null,
      decisionId: r.decision_id as number | null,
      action: r.action as string,
      params: r.params as string,
      rationale: r.rationale as string,
      repo: r.repo as string | null,
      state: r.state as string,
      verdict: r.verdict as string,
      reason: r.reason as string,
      createdAt: r.created_at as number,
      updatedAt: r.updated_at as number,
      expiresAt: r.expires_at as number | null,
      answeredBy: r.answered_by as string | null,
      answeredAt: r.answered_at as number | null,
      answerReason: r.answer_reason as string | null,
      attempts: r.attempts as number,
      result: r.result as string | null,
      error: r.error as string | null,
      subject: r.subject as string | null,
    }));
  }

  /** The days that have a log file, oldest first. */
  logDays(): string[] {
    return listLogDates(this.logsDir);
  }

  /**
   * One day's lines. The file must verify; a line torn by a crash in the middle of a day
   * has no place in the log table (every row is an entry), so such a day is refused.
   * An unterminated last line (a crash no writer followed that day) is left out.
   */
  logDay(day: string): { lines: CopiedLogLine[]; droppedTail: boolean } {
    const file = logFilePath(this.logsDir, day);
    const split = splitLines(fs.readFileSync(file));
    const result = verifyChainLines(file, day, split);
    if (!result.ok) throw new VigilError('VIGIL_ERR_MIGRATE_SOURCE', `${file} does not verify (line ${result.firstBad?.line}: ${result.firstBad?.reason}); \`vigil log verify\` shows it`);
    if (result.torn.length) throw new VigilError('VIGIL_ERR_MIGRATE_SOURCE', `${file}: lines ${result.torn.join(', ')} were torn by a crash; the team's log keeps entries only`);
    const lines = split.lines.map((bytes) => {
      const parsed = parseEntryLine(bytes);
      if (parsed.kind !== 'entry') throw new VigilError('VIGIL_ERR_MIGRATE_SOURCE', `${file}: a line that is not an entry`);
      const { seq, ts, type, hash } = parsed.entry;
      return { day, seq, ts, type, hash, line: `${bytes.toString('utf8')}\n` };
    });
    return { lines, droppedTail: split.partial !== null };
  }

  close(): void {
    this.spool.close();
    this.db.close();
  }
}

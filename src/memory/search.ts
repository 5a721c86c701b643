import fs from 'node:fs';
import path from 'node:path';
import { localDate } from '../clock.js';
import { VigilError } from '../errors.js';
import { listLogDates, logFilePath, readLogEntriesFrom, type LogEntry } from '../logs/index.js';
import type { Store } from '../store/index.js';

export interface SearchHit {
  date: string;
  /** "log 2026-01-03#12" or "event 41". */
  ref: string;
  kind: string;
  snippet: string;
  score: number;
}

interface LogMark {
  date: string;
  offset: number;
}

const LOG_MARK = 'memory.search.log';
const EVENT_MARK = 'memory.search.events';
/** Per agent transcript (issue 8), the bytes already indexed. */
const TRANSCRIPT_MARK = 'memory.search.agent';
/** One transaction indexes at most this much, so the writer lock is never held for long. */
const LOG_WINDOW_BYTES = 512 * 1024;
const EVENT_BATCH = 200;
const MAX_BODY_CHARS = 32 * 1024;
/** Bookkeeping fields every entry has; they would only add noise to the index. */
const SKIP_FIELDS = new Set(['ts', 'seq', 'type', 'prev', 'hash', 'pid', 'oid']);

/**
 * The text leaves of a JSON value, depth-first, up to `budget` characters. Keys are
 * left out (they would be most of the tokens and nobody searches for "deliveryId").
 */
function textOf(value: unknown, out: string[], budget: { left: number }, keepUrls: boolean, top = true): void {
  if (budget.left <= 0 || value === null || value === undefined) return;
  if (typeof value === 'object') {
    for (const [k, v] of Array.isArray(value) ? value.entries() : Object.entries(value)) {
      if (top && typeof k === 'string' && SKIP_FIELDS.has(k)) continue;
      textOf(v, out, budget, keepUrls, false);
    }
    return;
  }
  const text = String(value);
  // API URLs in webhook payloads are many and never what a person searches for.
  if (!keepUrls && /^https?:\/\//.test(text)) return;
  out.push(text.slice(0, budget.left));
  budget.left -= text.length;
}

export function entryText(entry: LogEntry): string {
  const out = [entry.type];
  textOf(entry, out, { left: MAX_BODY_CHARS }, true);
  return out.join(' · ');
}

/** FTS5 query syntax would turn `foo-bar` or `"` into errors: search for the words, all of them. */
export function toMatchQuery(query: string): string {
  const words = query.match(/[\p{L}\p{N}_]+\*?/gu) ?? [];
  if (words.length === 0) throw new VigilError('VIGIL_ERR_USAGE', `nothing to search for in ${JSON.stringify(query)}`);
  return words.map((w) => (w.endsWith('*') ? `"${w.slice(0, -1)}"*` : `"${w}"`)).join(' ');
}

/**
 * Full-text search (SQLite FTS5) over every log entry and every event payload. The
 * index follows the logs and the inbox incrementally behind two watermarks kept in
 * the same database, so any process can catch it up: each batch commits with its
 * watermark, and a batch whose watermark moved meanwhile (another process indexed
 * it) is dropped. The logs themselves are only read.
 */
export class SearchIndex {
  constructor(
    private readonly store: Store,
    private readonly logsDir: string,
  ) {}

  /** Index what is new; returns how many log entries and events were added. */
  catchUp(): { entries: number; events: number } {
    const counts = { entries: this.catchUpLogs(), events: this.catchUpEvents() };
    indexTranscripts(this.store, this.logsDir);
    return counts;
  }

  search(query: string, limit = 20): SearchHit[] {
    return this.store.db
      .prepare(
        `SELECT date, ref, kind, snippet(memory_search, 0, '[', ']', '…', 16) AS snippet, bm25(memory_search) AS score
         FROM memory_search WHERE memory_search MATCH ? ORDER BY rank LIMIT ?`,
      )
      .all(toMatchQuery(query), limit) as SearchHit[];
  }

  private catchUpLogs(): number {
    const { kv } = this.store;
    const insert = this.store.db.prepare('INSERT INTO memory_search (body, date, ref, kind) VALUES (?, ?, ?, ?)');
    let added = 0;
    for (;;) {
      const mark = kv.get<LogMark>(LOG_MARK) ?? { date: '', offset: 0 };
      const next = this.nextLogWindow(mark);
      if (!next) return added;
      const committed = this.store.transaction(() => {
        if (JSON.stringify(kv.get<LogMark>(LOG_MARK) ?? { date: '', offset: 0 }) !== JSON.stringify(mark)) return false;
        for (const entry of next.entries) insert.run(entryText(entry), next.date, `log ${next.date}#${entry.seq}`, entry.type);
        kv.set(LOG_MARK, { date: next.date, offset: next.end });
        return true;
      });
      if (committed) added += next.entries.length;
    }
  }

  /** The next unread window of the log: the rest of the mark's day, or the next day that has one. */
  private nextLogWindow(mark: LogMark): { date: string; entries: LogEntry[]; end: number } | undefined {
    for (const date of listLogDates(this.logsDir)) {
      if (date < mark.date) continue;
      const offset = date === mark.date ? mark.offset : 0;
      const { entries, end } = readLogEntriesFrom(logFilePath(this.logsDir, date), offset, LOG_WINDOW_BYTES);
      if (end > offset) return { date, entries, end };
    }
    return undefined;
  }

  /** A body the spool cannot give back (a damaged segment) leaves the event searchable by kind alone. */
  private payloadText(row: { payload: string; payload_ref: string | null }): string {
    try {
      return this.store.inbox.payloadOf(row);
    } catch {
      return '';
    }
  }

  private catchUpEvents(): number {
    const { kv, db } = this.store;
    const select = db.prepare('SELECT id, kind, source, payload, payload_ref, received_at FROM inbox WHERE id > ? ORDER BY id LIMIT ?');
    const insert = db.prepare('INSERT INTO memory_search (body, date, ref, kind) VALUES (?, ?, ?, ?)');
    let added = 0;
    for (;;) {
      const mark = kv.get<number>(EVENT_MARK) ?? 0;
      const rows = select.all(mark, EVENT_BATCH) as {
        id: number;
        kind: string;
        source: string;
        payload: string;
        payload_ref: string | null;
        received_at: number;
      }[];
      if (rows.length === 0) return added;
      const committed = this.store.transaction(() => {
        if ((kv.get<number>(EVENT_MARK) ?? 0) !== mark) return false;
        for (const row of rows) {
          const out = [row.kind, row.source];
          textOf(safeJson(this.payloadText(row)), out, { left: MAX_BODY_CHARS }, false, false);
          insert.run(out.join(' · '), localDate(row.received_at), `event ${row.id}`, row.kind);
        }
        kv.set(EVENT_MARK, rows[rows.length - 1]!.id);
        return true;
      });
      if (committed) added += rows.length;
    }
  }
}

/**
 * Agent transcripts (`agent/<action id>.jsonl`, beside the logs in the home): each
 * complete line once, as `agent <action id>`. Lines are appended while a task runs,
 * so a transcript is followed by its byte offset.
 */
function indexTranscripts(store: Store, logsDir: string): number {
  const dir = path.join(path.dirname(logsDir), 'agent');
  if (!fs.existsSync(dir)) return 0;
  const insert = store.db.prepare('INSERT INTO memory_search (body, date, ref, kind) VALUES (?, ?, ?, ?)');
  let added = 0;
  for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.jsonl')).sort()) {
    const file = path.join(dir, name);
    const done = store.kv.get<Record<string, number>>(TRANSCRIPT_MARK)?.[name] ?? 0;
    const { size, mtimeMs } = fs.statSync(file);
    if (size <= done) continue;
    const buffer = Buffer.alloc(Math.min(size - done, LOG_WINDOW_BYTES));
    const fd = fs.openSync(file, 'r');
    const read = fs.readSync(fd, buffer, 0, buffer.length, done);
    fs.closeSync(fd);
    let end = buffer.subarray(0, read).lastIndexOf(0x0a) + 1;
    // A line longer than the window is skipped rather than blocking the file.
    if (end === 0 && read === LOG_WINDOW_BYTES) end = read;
    if (end === 0) continue;
    const lines = buffer.subarray(0, end).toString('utf8').split('\n').filter(Boolean);
    store.transaction(() => {
      const marks = store.kv.get<Record<string, number>>(TRANSCRIPT_MARK) ?? {};
      if ((marks[name] ?? 0) !== done) return;
      for (const line of lines) {
        const out = ['agent transcript'];
        textOf(safeJson(line), out, { left: MAX_BODY_CHARS }, true, false);
        insert.run(out.join(' · '), localDate(mtimeMs), `agent ${name.slice(0, -'.jsonl'.length)}`, 'agent.transcript');
      }
      store.kv.set(TRANSCRIPT_MARK, { ...marks, [name]: done + end });
      added += lines.length;
    });
  }
  return added;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

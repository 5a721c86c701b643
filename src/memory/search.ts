import fs from 'node:fs';
import path from 'node:path';
import { localDate } from '../clock.js';
import { listLogDates, logFilePath, readLogEntriesFrom, type LogEntry } from '../logs/index.js';
import type { SearchDocument, SearchHit, Store, UnreadEvent } from '../store/index.js';

export type { SearchHit } from '../store/index.js';

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
/** At any depth: GraphQL node ids and avatar hashes, which nobody searches for and which crowd out the words in a snippet. */
const OPAQUE_FIELDS = new Set(['node_id', 'gravatar_id']);

/**
 * The text leaves of a JSON value, depth-first, up to `budget` characters. Keys are
 * left out (they would be most of the tokens and nobody searches for "deliveryId").
 */
function textOf(value: unknown, out: string[], budget: { left: number }, keepUrls: boolean, top = true): void {
  if (budget.left <= 0 || value === null || value === undefined) return;
  if (typeof value === 'object') {
    for (const [k, v] of Array.isArray(value) ? value.entries() : Object.entries(value)) {
      if (typeof k === 'string' && ((top && SKIP_FIELDS.has(k)) || OPAQUE_FIELDS.has(k))) continue;
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

/** What an event is found by: its kind, its source and its payload's text (API URLs left out). */
export function eventText(kind: string, source: string, payload: string): string {
  const out = [kind, source];
  textOf(safeJson(payload), out, { left: MAX_BODY_CHARS }, false, false);
  return out.join(' · ');
}

/** A time budget for `catchUp`: stop once `now()` reaches `deadline`. */
export interface CatchUpBudget {
  deadline: number;
  now: () => number;
  /**
   * Catch up at all only when at most this much log waits (bytes; events count 1 KB each):
   * a process that must stay light (the daemon) leaves a long backlog — a year not yet
   * indexed — to a dream or `vigil memory search`, which index it in a process of their own.
   */
  maxBacklogBytes?: number;
}

/**
 * The budget of a search that runs on the daemon's loop (the Memory page, a decision's
 * `memory_search`): 100 ms of indexing at most, and none past 2 MB of backlog — parsing
 * more would hold webhooks back and grow the always-on process's heap for good
 * (measured: +10 MB for 100 ms of a year's logs). A dream indexes daily, and
 * `vigil memory search` at once, each in a process of its own.
 */
export function inDaemonBudget(ms = 100, now: () => number = () => performance.now()): CatchUpBudget {
  return { deadline: now() + ms, now, maxBacklogBytes: 2 * 1024 * 1024 };
}

/** What one event stands for in a backlog measured in bytes: its payload's text, roughly. */
const EVENT_BACKLOG_BYTES = 1024;

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

  /**
   * Index what is new; returns how many log entries and events were added, and whether
   * the index is now current. With a `deadline` (on `now`'s clock) it stops after the
   * first batch that ends past it: a process whose event loop must stay free (the
   * daemon) indexes a few batches, never a year of logs in one go.
   */
  catchUp(budget?: CatchUpBudget): { entries: number; events: number; complete: boolean } {
    if (budget?.maxBacklogBytes !== undefined && this.backlogOver(budget.maxBacklogBytes)) return { entries: 0, events: 0, complete: false };
    const spent = budget ? () => budget.now() >= budget.deadline : () => false;
    const logs = this.catchUpLogs(spent);
    const events = logs.complete ? this.catchUpEvents(spent) : { added: 0, complete: false };
    const complete = logs.complete && events.complete;
    if (complete) indexTranscripts(this.store, this.logsDir);
    return { entries: logs.added, events: events.added, complete };
  }

  search(query: string, limit = 20): SearchHit[] {
    return this.store.searchIndex.search(query, limit);
  }

  private catchUpLogs(spent: () => boolean): { added: number; complete: boolean } {
    const { kv, searchIndex } = this.store;
    let added = 0;
    for (;;) {
      const mark = kv.get(LOG_MARK) ?? { date: '', offset: 0 };
      const next = this.nextLogWindow(mark);
      if (!next) return { added, complete: true };
      if (spent()) return { added, complete: false };
      const committed = this.store.transaction(() => {
        if (JSON.stringify(kv.get(LOG_MARK) ?? { date: '', offset: 0 }) !== JSON.stringify(mark)) return false;
        searchIndex.add(
          next.entries.map((entry) => ({ body: entryText(entry), date: next.date, ref: `log ${next.date}#${entry.seq}`, kind: entry.type })),
        );
        kv.set(LOG_MARK, { date: next.date, offset: next.end });
        return true;
      });
      if (committed) added += next.entries.length;
    }
  }

  /** Whether more than `bytes` wait to be indexed: the logs' sizes past the mark (file sizes only), then the events' rows. */
  private backlogOver(bytes: number): boolean {
    const mark = this.store.kv.get(LOG_MARK) ?? { date: '', offset: 0 };
    let waiting = 0;
    for (const date of listLogDates(this.logsDir)) {
      if (date < mark.date) continue;
      const size = fs.statSync(logFilePath(this.logsDir, date), { throwIfNoEntry: false })?.size ?? 0;
      waiting += Math.max(0, size - (date === mark.date ? mark.offset : 0));
      if (waiting > bytes) return true;
    }
    const events = this.store.inbox.eventsAfter(this.store.kv.get(EVENT_MARK) ?? 0, Math.floor((bytes - waiting) / EVENT_BACKLOG_BYTES) + 1);
    return waiting + events.length * EVENT_BACKLOG_BYTES > bytes;
  }

  /** The next unread window of the log: the rest of the mark's day, or the next day that has one. */
  private nextLogWindow(mark: { date: string; offset: number }): { date: string; entries: LogEntry[]; end: number } | undefined {
    for (const date of listLogDates(this.logsDir)) {
      if (date < mark.date) continue;
      const offset = date === mark.date ? mark.offset : 0;
      const { entries, end } = readLogEntriesFrom(logFilePath(this.logsDir, date), offset, LOG_WINDOW_BYTES);
      if (end > offset) return { date, entries, end };
    }
    return undefined;
  }

  /** A body the spool cannot give back (a damaged segment) leaves the event searchable by kind alone. */
  private payloadText(row: UnreadEvent): string {
    try {
      return this.store.inbox.payloadOf(row);
    } catch {
      return '';
    }
  }

  private catchUpEvents(spent: () => boolean): { added: number; complete: boolean } {
    const { kv, inbox, searchIndex } = this.store;
    let added = 0;
    for (;;) {
      const mark = kv.get(EVENT_MARK) ?? 0;
      const rows = inbox.eventsAfter(mark, EVENT_BATCH);
      if (rows.length === 0) return { added, complete: true };
      if (spent()) return { added, complete: false };
      const committed = this.store.transaction(() => {
        if ((kv.get(EVENT_MARK) ?? 0) !== mark) return false;
        searchIndex.add(
          rows.map((row) => ({ body: eventText(row.kind, row.source, this.payloadText(row)), date: localDate(row.receivedAt), ref: `event ${row.id}`, kind: row.kind })),
        );
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
  let added = 0;
  for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.jsonl')).sort()) {
    const file = path.join(dir, name);
    const done = store.kv.get(TRANSCRIPT_MARK)?.[name] ?? 0;
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
      const marks = store.kv.get(TRANSCRIPT_MARK) ?? {};
      if ((marks[name] ?? 0) !== done) return;
      const ref = `agent ${name.slice(0, -'.jsonl'.length)}`;
      store.searchIndex.add(
        lines.map((line): SearchDocument => {
          const out = ['agent transcript'];
          textOf(safeJson(line), out, { left: MAX_BODY_CHARS }, true, false);
          return { body: out.join(' · '), date: localDate(mtimeMs), ref, kind: 'agent.transcript' };
        }),
      );
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

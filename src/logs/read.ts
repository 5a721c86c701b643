/** Reading logs for people and tools (CLI `vigil log`, the prompt's recent-log tail). */
import fs from 'node:fs';
import path from 'node:path';
import { readRange } from './file-io.js';
import { goodEntries, parseEntryLine, splitLines } from './line.js';
import type { LogEntry } from './types.js';

const LOG_NAME = /^(\d{4}-\d{2}-\d{2})\.jsonl$/;

export function logFilePath(dir: string, date: string): string {
  return path.join(dir, `${date}.jsonl`);
}

/** The date a log file is named for, which fixes its genesis; undefined for other names. */
export function logFileDate(file: string): string | undefined {
  return LOG_NAME.exec(path.basename(file))?.[1];
}

/** Dates (YYYY-MM-DD) that have a log file, oldest first; none if `dir` does not exist. */
export function listLogDates(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names
    .map((name) => LOG_NAME.exec(name)?.[1])
    .filter((date): date is string => date !== undefined)
    .sort();
}

/** The good entries of one file, in order; torn and edited lines are left out. */
export function readLogEntries(file: string): LogEntry[] {
  return goodEntries(splitLines(fs.readFileSync(file)));
}

/**
 * The good entries from byte `offset` (a line start) on, and `end`, the offset just
 * after the last complete line: readers that keep a watermark (the dream, the search
 * index) read only what is new, and never a line the writer has not finished.
 * `maxBytes` bounds one read (a line longer than that is still read whole).
 */
export function readLogEntriesFrom(file: string, offset: number, maxBytes = Infinity): { entries: LogEntry[]; end: number } {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    if (size <= offset) return { entries: [], end: offset };
    for (let window = maxBytes; ; window *= 2) {
      const stop = Math.min(size, offset + window);
      const { lines, partial } = splitLines(readRange(fd, offset, stop));
      if (lines.length === 0 && stop < size) continue;
      return { entries: goodEntries({ lines, partial: null }), end: stop - (partial?.length ?? 0) };
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The good entries near the end of the last `files` daily logs (the tail of each, at
 * most `bytes`): where the log stands after a crash, without reading months of it.
 */
export function recentLogEntries(dir: string, bytes = 512 * 1024, files = 2): LogEntry[] {
  return listLogDates(dir)
    .slice(-files)
    .flatMap((date) => {
      const file = logFilePath(dir, date);
      const size = fs.statSync(file).size;
      // The tail may begin mid-line: the reader skips what does not parse as an entry.
      return readLogEntriesFrom(file, Math.max(0, size - bytes)).entries;
    });
}

export interface TailOptions {
  /** Stop once this many good entries are found. */
  count: number;
  /** Stop after scanning this many bytes back from the end, however few entries were found. */
  maxBytes: number;
  /** A longer line is skipped, never parsed: one huge entry must not cost a page load its size in parsing. */
  maxLineBytes: number;
}

const TAIL_CHUNK = 64 * 1024;
const NEWLINE = 0x0a;

/**
 * The last `count` good entries of a file, oldest first, read from the end in chunks:
 * the cost follows what is shown, not the file's size (issue 12: each dashboard load
 * parsed the whole day's log on the event loop, ~0.9 s for a big day). An unterminated
 * last line is left out: the writer may not have finished it.
 */
export function readLastEntries(file: string, opts: TailOptions): LogEntry[] {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  try {
    return scanBack(fd, fs.fstatSync(fd).size, opts);
  } finally {
    fs.closeSync(fd);
  }
}

function scanBack(fd: number, size: number, opts: TailOptions): LogEntry[] {
  const found: LogEntry[] = [];
  // Bytes of the line that runs past the start of the chunk read last (its end is known, its start not yet).
  let carry: Buffer[] = [];
  let carried = 0;
  let oversized = false;
  // Until the first newline from the end is met, bytes belong to the unterminated tail.
  let inTail = true;
  const floor = Math.max(0, size - opts.maxBytes);
  for (let end = size; end > floor && found.length < opts.count; ) {
    const start = Math.max(floor, end - TAIL_CHUNK);
    const chunk = readRange(fd, start, end);
    let lineEnd = chunk.length;
    for (let nl = chunk.lastIndexOf(NEWLINE, lineEnd - 1); nl >= 0; nl = nl > 0 ? chunk.lastIndexOf(NEWLINE, nl - 1) : -1) {
      if (!inTail && !oversized) {
        const entry = parseLine(carried ? Buffer.concat([chunk.subarray(nl + 1, lineEnd), ...carry]) : chunk.subarray(nl + 1, lineEnd), opts);
        if (entry) found.push(entry);
        if (found.length >= opts.count) break;
      }
      inTail = false;
      carry = [];
      carried = 0;
      oversized = false;
      lineEnd = nl;
    }
    if (found.length >= opts.count) break;
    // What precedes the chunk's first newline continues a line that starts further back.
    const head = chunk.subarray(0, lineEnd);
    if (!oversized && !inTail) {
      carried += head.length;
      if (carried > opts.maxLineBytes) {
        oversized = true;
        carry = [];
      } else carry.unshift(Buffer.from(head));
    }
    end = start;
    // The file's first line has no newline before it.
    if (start === 0 && !inTail && !oversized && carried) {
      const entry = parseLine(Buffer.concat(carry), opts);
      if (entry) found.push(entry);
    }
  }
  return found.slice(0, opts.count).reverse();
}

function parseLine(bytes: Buffer, opts: TailOptions): LogEntry | undefined {
  if (bytes.length > opts.maxLineBytes) return undefined;
  const parsed = parseEntryLine(bytes);
  return parsed.kind === 'entry' ? parsed.entry : undefined;
}

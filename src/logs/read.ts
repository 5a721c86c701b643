/** Reading logs for people and tools (CLI `vigil log`, the prompt's recent-log tail). */
import fs from 'node:fs';
import path from 'node:path';
import { readRange } from './file-io.js';
import { goodEntries, splitLines } from './line.js';
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

/** Reading logs for people and tools (CLI `vigil log`, the prompt's recent-log tail). */
import fs from 'node:fs';
import path from 'node:path';
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

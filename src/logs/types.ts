import type { Clock } from '../clock.js';

/** One line of a daily log, as written and as read back. */
export interface LogEntry {
  ts: string;
  seq: number;
  type: string;
  prev: string;
  hash: string;
  [field: string]: unknown;
}

/** What a caller hands to `DailyLog.append`; `ts` is epoch ms and defaults to the clock. */
export interface LogRecord {
  type: string;
  ts?: number;
  [field: string]: unknown;
}

export interface VerifyResult {
  file: string;
  ok: boolean;
  /** Good entries seen (up to the first bad line when not ok). */
  entries: number;
  /** 1-based numbers of torn lines that a later `log.torn` entry accounts for. */
  torn: number[];
  /** The last line is unparseable and unterminated: a crash not yet recovered by a writer. */
  tornTail: boolean;
  firstBad?: { line: number; reason: string };
}

export interface FollowOptions {
  dir: string;
  clock: Clock;
  /** Start after the entries already in today's file instead of replaying them. */
  fromEnd: boolean;
  onEntry: (entry: LogEntry) => void;
  signal: AbortSignal;
  pollMs?: number;
}

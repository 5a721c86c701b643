/**
 * `vigil log --follow`: polls today's file for new complete lines and moves to the next
 * file at the local day rollover. It is a foreground CLI, so its timer may hold the
 * process open until the signal aborts.
 */
import fs from 'node:fs';
import { localDate, type Clock } from '../clock.js';
import { endOfLastLine, readRange } from './file-io.js';
import { goodEntries, splitLines } from './line.js';
import { logFilePath } from './read.js';
import type { FollowOptions, LogEntry } from './types.js';
import { setTimeout as sleep } from 'node:timers/promises';

const DEFAULT_POLL_MS = 250;

interface Cursor {
  file: string;
  offset: number;
}

class Follower {
  private date: string;
  private cursor: Cursor;
  /** The file left at the last rollover, drained once more in case a write raced the switch. */
  private previous: Cursor | null = null;

  constructor(
    private readonly dir: string,
    private readonly clock: Clock,
    fromEnd: boolean,
  ) {
    this.date = localDate(clock.now());
    const file = logFilePath(dir, this.date);
    this.cursor = { file, offset: fromEnd ? endOfLastLine(file) : 0 };
  }

  poll(onEntry: (entry: LogEntry) => void): void {
    if (this.previous) {
      drain(this.previous, onEntry);
      this.previous = null;
    }
    const today = localDate(this.clock.now());
    if (today !== this.date) {
      drain(this.cursor, onEntry);
      this.previous = this.cursor;
      this.date = today;
      this.cursor = { file: logFilePath(this.dir, today), offset: 0 };
    }
    drain(this.cursor, onEntry);
  }
}

/** Emits the good entries of the complete lines past the cursor and moves it past them. */
function drain(cursor: Cursor, onEntry: (entry: LogEntry) => void): void {
  let fd: number;
  try {
    fd = fs.openSync(cursor.file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  let bytes: Buffer;
  try {
    const size = fs.fstatSync(fd).size;
    // Logs are never truncated; if one was replaced anyway, start it over.
    if (size < cursor.offset) cursor.offset = 0;
    bytes = readRange(fd, cursor.offset, size);
  } finally {
    fs.closeSync(fd);
  }
  const { lines, partial } = splitLines(bytes);
  // The unterminated tail is left for the next poll: it may still be being written.
  cursor.offset += bytes.length - (partial?.length ?? 0);
  for (const entry of goodEntries({ lines, partial: null })) onEntry(entry);
}


/** Resolves when `signal` aborts; rejects if reading a file or `onEntry` throws. */
export async function followLog(opts: FollowOptions): Promise<void> {
  const follower = new Follower(opts.dir, opts.clock, opts.fromEnd);
  while (!opts.signal.aborted) {
    follower.poll(opts.onEntry);
    // Aborted: the wait ends at once, and the loop with it.
    await sleep(opts.pollMs ?? DEFAULT_POLL_MS, undefined, { signal: opts.signal }).catch(() => undefined);
  }
}

/**
 * The writer of the daily logs: one file per local day, one hash-chained entry per line.
 * A single writer (the daemon) is assumed, so the chain state lives in memory and the
 * file is read only when it is opened. Nothing here ever rewrites or truncates a file.
 */
import fs from 'node:fs';
import { localDate, type Clock } from '../clock.js';
import { secretMask, type SecretMask } from '../secrets/index.js';
import { chainRecords } from './chain.js';
import { countNewlines, readTailLines, writeAll } from './file-io.js';
import { formatLine, genesisHash, goodEntries, parseEntryLine, type SplitLines } from './line.js';
import { logFilePath } from './read.js';
import type { LogEntry, LogRecord } from './types.js';

interface OpenFile {
  date: string;
  fd: number;
  seq: number;
  last: string;
}

interface ChainState {
  seq: number;
  last: string;
}

export class DailyLog {
  private readonly dir: string;
  private readonly clock: Clock;
  private readonly mask: () => SecretMask;
  private current: OpenFile | null = null;
  private closed = false;

  /**
   * `mask`: the secrets no line may hold; by default the process's (src/secrets/mask.ts),
   * asked at each write, so secrets read after the log was opened are masked too.
   */
  constructor(opts: { dir: string; clock: Clock; mask?: SecretMask }) {
    this.dir = opts.dir;
    this.clock = opts.clock;
    const { mask } = opts;
    this.mask = mask ? () => mask : secretMask;
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  append(record: LogRecord): LogEntry {
    return this.appendMany([record])[0]!;
  }

  /** All lines go out in one write: batching is what makes high event rates cheap. */
  appendMany(records: LogRecord[]): LogEntry[] {
    if (this.closed) throw new Error('DailyLog is closed');
    if (records.length === 0) return [];
    const file = this.fileFor(localDate(this.clock.now()));
    const chained = chainRecords({ head: file, records, now: this.clock.now(), mask: this.mask() });
    this.write(file, chained.lines.join(''));
    file.seq = chained.head.seq;
    file.last = chained.head.last;
    return chained.entries;
  }

  /** The last `n` good entries of today's file (by the clock), read from its end. */
  tail(n: number): LogEntry[] {
    if (n <= 0) return [];
    const file = logFilePath(this.dir, localDate(this.clock.now()));
    if (!fs.existsSync(file)) return [];
    const tail = readTailLines(file, (t) => goodEntries(t).length >= n);
    return goodEntries(tail).slice(-n);
  }

  close(): void {
    this.closed = true;
    this.release();
  }

  private write(file: OpenFile, text: string): void {
    try {
      writeAll(file.fd, text);
    } catch (err) {
      // The file may now end in a partial line; reopening on the next append runs the
      // torn-line recovery instead of chaining onto bytes we cannot vouch for.
      this.release();
      throw err;
    }
  }

  private release(): void {
    if (!this.current) return;
    const { fd } = this.current;
    this.current = null;
    fs.closeSync(fd);
  }

  private fileFor(date: string): OpenFile {
    if (this.current?.date === date) return this.current;
    this.release();
    const file = logFilePath(this.dir, date);
    const fd = fs.openSync(file, 'a', 0o600);
    try {
      this.current = { date, fd, ...this.recover(file, date, fd) };
      return this.current;
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  /** Chain state from the file's end, terminating a torn last line if a crash left one. */
  private recover(file: string, date: string, fd: number): ChainState {
    if (fs.fstatSync(fd).size === 0) return { seq: 0, last: genesisHash(date) };
    const tail = readTailLines(file, (t) => lastGood(t) !== null);
    const good = lastGood(tail);
    const state = { seq: good?.entry.seq ?? 0, last: good?.entry.hash ?? genesisHash(date) };
    if (!tail.partial) return state;
    if (good?.unterminated) {
      // A whole entry that lost only its newline is not torn: it verifies as it stands.
      writeAll(fd, '\n');
      return state;
    }
    const torn = formatLine({
      ts: new Date(this.clock.now()).toISOString(),
      seq: state.seq + 1,
      type: 'log.torn',
      fields: { line: countNewlines(file) + 1, bytes: tail.partial.length },
      prev: state.last,
    });
    // One write, so a crash here cannot leave a terminated torn line without its entry.
    writeAll(fd, '\n' + torn.line);
    return { seq: torn.entry.seq, last: torn.entry.hash };
  }
}

/** The last good entry near the end, and whether it is the unterminated last line. */
function lastGood(tail: SplitLines): { entry: LogEntry; unterminated: boolean } | null {
  const all = tail.partial ? [...tail.lines, tail.partial] : tail.lines;
  for (let i = all.length - 1; i >= 0; i--) {
    const parsed = parseEntryLine(all[i]!);
    if (parsed.kind === 'entry') return { entry: parsed.entry, unterminated: i === tail.lines.length };
  }
  return null;
}

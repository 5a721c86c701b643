/**
 * Checks a daily log line by line: each entry's own hash, its `prev` link to the previous
 * good entry (or the file's genesis), and `seq` continuity. Unparseable lines are accepted
 * only as crash debris: directly followed by the writer's `log.torn` entry for them, or
 * as the unterminated last line of a file no writer has reopened yet.
 */
import fs from 'node:fs';
import { genesisHash, parseEntryLine, splitLines, type SplitLines } from './line.js';
import { listLogDates, logFileDate, logFilePath } from './read.js';
import type { LogEntry, VerifyResult } from './types.js';

type Bad = { line: number; reason: string };

class ChainCheck {
  entries = 0;
  torn: number[] = [];
  tornTail = false;
  private prevHash: string;
  private prevSeq = 0;
  private prevLine = 0;
  private pendingTorn: { line: number; bytes: number } | null = null;

  constructor(genesis: string) {
    this.prevHash = genesis;
  }

  /** Returns the first bad line this line reveals, or null while all is well. */
  check(bytes: Buffer, line: number, unterminatedLast: boolean): Bad | null {
    const parsed = parseEntryLine(bytes);
    if (parsed.kind === 'not-json') {
      if (this.pendingTorn) return this.unrecoveredTorn('the next line is not JSON either');
      if (unterminatedLast) {
        this.tornTail = true;
        return null;
      }
      this.pendingTorn = { line, bytes: bytes.length };
      return null;
    }
    if (parsed.kind === 'invalid') return this.pendingOr({ line, reason: parsed.reason });
    const broken = this.linkProblem(parsed.entry);
    if (broken) return this.pendingOr({ line, reason: broken });
    const tornProblem = this.tornProblem(parsed.entry, line);
    if (tornProblem) return tornProblem;
    this.entries++;
    this.prevHash = parsed.entry.hash;
    this.prevSeq = parsed.entry.seq;
    this.prevLine = line;
    return null;
  }

  /**
   * A file cannot end between a terminated torn line and its log.torn entry: the writer
   * emits the newline and the entry in one write.
   */
  finish(): Bad | null {
    return this.pendingTorn ? this.unrecoveredTorn('end of file') : null;
  }

  private linkProblem(entry: LogEntry): string | null {
    if (entry.prev !== this.prevHash) {
      return this.prevLine === 0
        ? "prev does not match the file's genesis (first line removed, inserted or reordered)"
        : `prev does not match line ${this.prevLine} (line removed, inserted or reordered)`;
    }
    if (entry.seq !== this.prevSeq + 1) return `seq jumps from ${this.prevSeq} to ${entry.seq}`;
    return null;
  }

  /** A torn line must be named by the very next entry, and a `log.torn` must follow one. */
  private tornProblem(entry: LogEntry, line: number): Bad | null {
    const pending = this.pendingTorn;
    if (!pending) {
      if (entry.type !== 'log.torn') return null;
      return { line, reason: `log.torn for line ${String(entry.line)} does not follow an unparseable line` };
    }
    const names = entry.type === 'log.torn' && entry.line === pending.line && entry.bytes === pending.bytes;
    if (!names) return this.unrecoveredTorn(`line ${line} is not a log.torn entry for it`);
    this.torn.push(pending.line);
    this.pendingTorn = null;
    return null;
  }

  private pendingOr(bad: Bad): Bad {
    return this.pendingTorn ? this.unrecoveredTorn(`line ${bad.line}: ${bad.reason}`) : bad;
  }

  private unrecoveredTorn(why: string): Bad {
    const line = this.pendingTorn!.line;
    return { line, reason: `not JSON, and not followed by its log.torn entry (${why})` };
  }
}

export function verifyLogFile(file: string): VerifyResult {
  const date = logFileDate(file);
  if (!date) {
    return { file, ok: false, entries: 0, torn: [], tornTail: false, firstBad: { line: 1, reason: 'file name is not YYYY-MM-DD.jsonl, so its genesis is unknown' } };
  }
  return verifyChainLines(file, date, splitLines(fs.readFileSync(file)));
}

/**
 * Checks one day's chain given as lines (without their "\n"); `partial` is an unterminated
 * last line. The files and the team store's log table (src/store/pg/log.ts) both verify
 * through here; `name` is what the result calls the chain.
 */
export function verifyChainLines(name: string, date: string, { lines, partial }: SplitLines): VerifyResult {
  const all = partial ? [...lines, partial] : lines;
  const chain = new ChainCheck(genesisHash(date));
  let firstBad: Bad | null = null;
  for (let i = 0; i < all.length && !firstBad; i++) {
    firstBad = chain.check(all[i]!, i + 1, partial !== null && i === all.length - 1);
  }
  firstBad ??= chain.finish();
  const out: VerifyResult = { file: name, ok: true, entries: chain.entries, torn: chain.torn, tornTail: chain.tornTail };
  return firstBad ? { ...out, ok: false, firstBad } : out;
}

/** Every dated log in `dir` oldest first, or only `date` (none if that day has no file). */
export function verifyLogDir(dir: string, date?: string): VerifyResult[] {
  const dates = date === undefined ? listLogDates(dir) : listLogDates(dir).filter((d) => d === date);
  return dates.map((d) => verifyLogFile(logFilePath(dir, d)));
}

/**
 * Byte-level reads and writes. Log files can grow large and the daemon opens them on
 * every restart and day rollover, so the append path reads only their ends.
 */
import fs from 'node:fs';
import { splitLines, type SplitLines } from './line.js';

const FIRST_WINDOW = 64 * 1024;
const NEWLINE = 0x0a;

export function readRange(fd: number, start: number, end: number): Buffer {
  const buf = Buffer.alloc(end - start);
  let done = 0;
  while (done < buf.length) {
    const n = fs.readSync(fd, buf, done, buf.length - done, start + done);
    if (n === 0) return buf.subarray(0, done);
    done += n;
  }
  return buf;
}

/** fs.writeSync may write less than asked; a log line must go out whole or throw. */
export function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text, 'utf8');
  let done = 0;
  while (done < buf.length) done += fs.writeSync(fd, buf, done, buf.length - done);
}

/**
 * Complete lines from the end of a file (plus the unterminated tail), reading a window
 * that doubles until `enough` is satisfied or the start of the file is reached.
 */
export function readTailLines(path: string, enough: (tail: SplitLines) => boolean): SplitLines {
  const fd = fs.openSync(path, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    for (let window = FIRST_WINDOW; ; window *= 2) {
      const start = Math.max(0, size - window);
      const tail = splitLines(readRange(fd, start, size));
      if (start === 0) return tail;
      // The window's first line is probably cut; with no newline at all, so is the tail.
      if (tail.lines.length === 0) continue;
      const trimmed = { lines: tail.lines.slice(1), partial: tail.partial };
      if (enough(trimmed)) return trimmed;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Newlines in the whole file, read in chunks. Only the rare crash-recovery path needs it:
 * a `log.torn` entry names the torn line by number.
 */
export function countNewlines(path: string): number {
  const fd = fs.openSync(path, 'r');
  try {
    const buf = Buffer.alloc(FIRST_WINDOW);
    let count = 0;
    for (let pos = 0; ; ) {
      const n = fs.readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) return count;
      for (let i = 0; i < n; i++) if (buf[i] === NEWLINE) count++;
      pos += n;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Byte offset just after the file's last "\n" (0 if none, or no file). */
export function endOfLastLine(path: string): number {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  try {
    const size = fs.fstatSync(fd).size;
    for (let end = size; end > 0; end -= FIRST_WINDOW) {
      const start = Math.max(0, end - FIRST_WINDOW);
      const nl = readRange(fd, start, end).lastIndexOf(NEWLINE);
      if (nl >= 0) return start + nl + 1;
    }
    return 0;
  } finally {
    fs.closeSync(fd);
  }
}

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { DailyLog, listLogDates, logFilePath, verifyLogDir } from '../../src/logs/index.js';
import { genesisHash, sha256hex } from '../../src/logs/line.js';
import { verifyLogFile } from '../../src/logs/verify.js';
import { fileLines, localMs, useTempDir, writeLines } from './helpers.js';

const tempDir = useTempDir();

/** A verified file of six entries, and its lines. */
function sixEntries(): { file: string; lines: string[] } {
  const dir = tempDir();
  const log = new DailyLog({ dir, clock: new FakeClock(localMs(10)) });
  for (let i = 1; i <= 6; i++) log.append({ type: 'event.received', note: `entry number ${i}` });
  log.close();
  const file = logFilePath(dir, '2026-06-10');
  expect(verifyLogFile(file).ok).toBe(true);
  return { file, lines: fileLines(file) };
}

function firstBad(file: string): { line: number; reason: string } | undefined {
  const result = verifyLogFile(file);
  expect(result.ok).toBe(false);
  return result.firstBad;
}

describe('verifyLogFile', () => {
  it('catches one changed character inside a field value', () => {
    const { file, lines } = sixEntries();
    lines[3] = lines[3]!.replace('entry number 4', 'entry number 5');
    writeLines(file, lines);
    expect(firstBad(file)).toEqual({ line: 4, reason: 'hash mismatch (edited)' });
  });

  it('catches an edit that breaks the JSON, even on the last line', () => {
    const { file, lines } = sixEntries();
    lines[5] = lines[5]!.replace('"note"', 'note');
    writeLines(file, lines);
    expect(firstBad(file)?.line).toBe(6);
  });

  it('catches a deleted middle line', () => {
    const { file, lines } = sixEntries();
    lines.splice(2, 1);
    writeLines(file, lines);
    expect(firstBad(file)).toEqual({ line: 3, reason: 'prev does not match line 2 (line removed, inserted or reordered)' });
  });

  it('catches a deleted first line', () => {
    const { file, lines } = sixEntries();
    lines.shift();
    writeLines(file, lines);
    expect(firstBad(file)).toMatchObject({ line: 1, reason: expect.stringMatching(/genesis/) });
  });

  it('catches a copy of a valid line inserted elsewhere', () => {
    const { file, lines } = sixEntries();
    lines.splice(4, 0, lines[1]!);
    writeLines(file, lines);
    expect(firstBad(file)).toMatchObject({ line: 5, reason: expect.stringMatching(/prev does not match line 4/) });
  });

  it('catches a line duplicated right after itself', () => {
    const { file, lines } = sixEntries();
    lines.splice(3, 0, lines[2]!);
    writeLines(file, lines);
    expect(firstBad(file)?.line).toBe(4);
  });

  it('catches a swapped pair of adjacent lines', () => {
    const { file, lines } = sixEntries();
    [lines[2], lines[3]] = [lines[3]!, lines[2]!];
    writeLines(file, lines);
    expect(firstBad(file)?.line).toBe(3);
  });

  it('catches a deleted last line only by its absence: the rest still verifies', () => {
    // A hash chain cannot see truncation at the end; this documents the limit.
    const { file, lines } = sixEntries();
    writeLines(file, lines.slice(0, -1));
    expect(verifyLogFile(file)).toMatchObject({ ok: true, entries: 5 });
  });

  it('catches a file renamed to another date', () => {
    const { file } = sixEntries();
    const moved = path.join(path.dirname(file), '2026-06-09.jsonl');
    fs.renameSync(file, moved);
    expect(firstBad(moved)?.line).toBe(1);
  });

  it('rejects a terminated unparseable line with no log.torn after it', () => {
    const { file, lines } = sixEntries();
    lines.splice(2, 0, '{"ts":"2026-');
    writeLines(file, lines);
    expect(firstBad(file)).toMatchObject({ line: 3, reason: expect.stringMatching(/^not JSON/) });
  });

  it('catches a seq jump in an otherwise sound chain', () => {
    // Built by the spec's formula, as a buggy or foreign writer would.
    const file = logFilePath(tempDir(), '2026-06-10');
    let prev = genesisHash('2026-06-10');
    const lines = [1, 2, 4].map((seq) => {
      const body = JSON.stringify({ ts: '2026-06-10T10:00:00.000Z', seq, type: 'x', prev });
      prev = sha256hex(body);
      return `${body.slice(0, -1)},"hash":"${prev}"}`;
    });
    writeLines(file, lines);
    expect(firstBad(file)).toEqual({ line: 3, reason: 'seq jumps from 2 to 4' });
  });

  it('refuses a file whose name is not a date: its genesis is unknown, whatever it holds', () => {
    const { file } = sixEntries();
    const renamed = path.join(path.dirname(file), 'today.jsonl');
    fs.renameSync(file, renamed);
    expect(verifyLogFile(renamed)).toStrictEqual({
      file: renamed,
      ok: false,
      entries: 0,
      torn: [],
      tornTail: false,
      firstBad: { line: 1, reason: 'file name is not YYYY-MM-DD.jsonl, so its genesis is unknown' },
    });
  });

  it('verifies an empty file', () => {
    const dir = tempDir();
    const file = logFilePath(dir, '2026-06-10');
    fs.writeFileSync(file, '');
    expect(verifyLogFile(file)).toMatchObject({ ok: true, entries: 0 });
  });
});

describe('verifyLogDir and listLogDates', () => {
  it('verifies every dated file oldest first, or one date', () => {
    const dir = tempDir();
    const clock = new FakeClock(localMs(11));
    const log = new DailyLog({ dir, clock });
    log.append({ type: 'a' });
    clock.set(localMs(9));
    log.append({ type: 'b' });
    log.close();
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a log');

    expect(listLogDates(dir)).toEqual(['2026-06-09', '2026-06-11']);
    expect(verifyLogDir(dir).map((r) => [path.basename(r.file), r.ok])).toEqual([
      ['2026-06-09.jsonl', true],
      ['2026-06-11.jsonl', true],
    ]);
    expect(verifyLogDir(dir, '2026-06-11')).toHaveLength(1);
    expect(verifyLogDir(dir, '2026-06-12')).toEqual([]);
    expect(listLogDates(path.join(dir, 'missing'))).toEqual([]);
  });
});

import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { DailyLog, logFilePath, readLogEntries } from '../../src/logs/index.js';
import { verifyLogFile } from '../../src/logs/verify.js';
import { fileLines, localMs, useTempDir, writeLines } from './helpers.js';

const tempDir = useTempDir();

function threeEntries(): { dir: string; file: string; clock: FakeClock } {
  const dir = tempDir();
  const clock = new FakeClock(localMs(10));
  const log = new DailyLog({ dir, clock });
  for (let i = 1; i <= 3; i++) log.append({ type: 'event.received', i });
  log.close();
  return { dir, file: logFilePath(dir, '2026-06-10'), clock };
}

describe('torn lines', () => {
  it('accepts a torn tail, then recovers it by appending only', () => {
    const { dir, file, clock } = threeEntries();
    fs.appendFileSync(file, '{"ts":"2026-');
    expect(verifyLogFile(file)).toMatchObject({ ok: true, entries: 3, torn: [], tornTail: true });
    const before = fs.readFileSync(file);

    const log = new DailyLog({ dir, clock });
    const next = log.append({ type: 'event.received', i: 4 });
    log.close();

    const after = fs.readFileSync(file);
    expect(after.subarray(0, before.length).equals(before)).toBe(true);
    const lines = fileLines(file);
    expect(lines).toHaveLength(6);
    expect(lines[3]).toBe('{"ts":"2026-');
    const torn = JSON.parse(lines[4]!);
    expect(torn).toMatchObject({ type: 'log.torn', line: 4, bytes: 12, seq: 4 });
    expect(torn.prev).toBe(readLogEntries(file)[2]!.hash);
    expect(next).toMatchObject({ seq: 5, prev: torn.hash });
    expect(verifyLogFile(file)).toEqual({ file, ok: true, entries: 5, torn: [4], tornTail: false });
    expect(readLogEntries(file).map((e) => e.type)).toEqual([
      'event.received', 'event.received', 'event.received', 'log.torn', 'event.received',
    ]);
  });

  it('counts torn bytes, not characters, even when a character was cut in half', () => {
    const { dir, file, clock } = threeEntries();
    // 9 + 5 ("café") + 1 + 2 of the 3 bytes of "日" = 17 bytes
    fs.appendFileSync(file, Buffer.from('{"note":"café 日').subarray(0, -1));
    new DailyLog({ dir, clock }).append({ type: 'x' });
    expect(JSON.parse(fileLines(file)[4]!)).toMatchObject({ type: 'log.torn', bytes: 17 });
    expect(verifyLogFile(file)).toMatchObject({ ok: true, torn: [4] });
  });

  it('treats a whole entry that only lost its newline as good, not torn', () => {
    const { dir, file, clock } = threeEntries();
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, text.slice(0, -1));
    expect(verifyLogFile(file)).toMatchObject({ ok: true, entries: 3, tornTail: false });
    const log = new DailyLog({ dir, clock });
    expect(log.append({ type: 'x' }).seq).toBe(4);
    log.close();
    expect(verifyLogFile(file)).toMatchObject({ ok: true, entries: 4, torn: [] });
  });

  it('rejects a torn line whose log.torn entry was removed', () => {
    const { dir, file, clock } = threeEntries();
    fs.appendFileSync(file, '{"ts":"2026-');
    new DailyLog({ dir, clock }).append({ type: 'x' });
    const lines = fileLines(file);
    lines.splice(4, 1);
    writeLines(file, lines);
    expect(verifyLogFile(file).firstBad?.line).toBe(4);
  });

  it('rejects a log.torn entry whose torn line was removed', () => {
    const { dir, file, clock } = threeEntries();
    fs.appendFileSync(file, '{"ts":"2026-');
    new DailyLog({ dir, clock }).append({ type: 'x' });
    const lines = fileLines(file);
    lines.splice(3, 1);
    writeLines(file, lines);
    expect(verifyLogFile(file).firstBad).toMatchObject({ line: 4, reason: expect.stringMatching(/log\.torn/) });
  });

  it('recovers a torn line in a large file', () => {
    const dir = tempDir();
    const clock = new FakeClock(localMs(10));
    const log = new DailyLog({ dir, clock });
    log.appendMany(Array.from({ length: 200 }, (_, i) => ({ type: 'big', i, pad: 'y'.repeat(1000) })));
    log.close();
    const file = logFilePath(dir, '2026-06-10');
    fs.appendFileSync(file, '{"ts":"2026-');
    new DailyLog({ dir, clock }).append({ type: 'x' });
    expect(verifyLogFile(file)).toMatchObject({ ok: true, entries: 202, torn: [201] });
  });
});

import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FakeClock, localDate } from '../../src/clock.js';
import { DailyLog, logFilePath, readLogEntries } from '../../src/logs/index.js';
import { genesisHash, sha256hex } from '../../src/logs/line.js';
import { verifyLogFile } from '../../src/logs/verify.js';
import { fileLines, localMs, useTempDir } from './helpers.js';

const tempDir = useTempDir();

describe('DailyLog', () => {
  it('appends chained entries and continues the chain after a reopen', () => {
    const dir = tempDir();
    const clock = new FakeClock(localMs(10));
    const log = new DailyLog({ dir, clock });
    const written = [1, 2, 3, 4, 5].map((n) => log.append({ type: 'event.received', n }));
    log.close();
    log.close(); // idempotent

    const file = logFilePath(dir, localDate(clock.now()));
    expect(verifyLogFile(file)).toEqual({ file, ok: true, entries: 5, torn: [], tornTail: false });
    const read = readLogEntries(file);
    expect(read).toEqual(written);
    expect(read.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(read[0]!.prev).toBe(genesisHash(localDate(clock.now())));
    for (let i = 1; i < read.length; i++) expect(read[i]!.prev).toBe(read[i - 1]!.hash);

    const again = new DailyLog({ dir, clock });
    const sixth = again.append({ type: 'decision.made' });
    again.close();
    expect(sixth.seq).toBe(6);
    expect(sixth.prev).toBe(written[4]!.hash);
    expect(verifyLogFile(file)).toMatchObject({ ok: true, entries: 6 });
  });

  it('writes the exact line format: fields between type and prev, hash over the body', () => {
    const dir = tempDir();
    const clock = new FakeClock(localMs(10));
    const log = new DailyLog({ dir, clock });
    const entry = log.append({ type: 'event.received', source: 'github', ts: localMs(10, 9) });
    log.close();
    const [line] = fileLines(logFilePath(dir, '2026-06-10'));
    const body = JSON.stringify({
      ts: new Date(localMs(10, 9)).toISOString(),
      seq: 1,
      type: 'event.received',
      source: 'github',
      prev: genesisHash('2026-06-10'),
    });
    expect(line).toBe(`${body.slice(0, -1)},"hash":"${sha256hex(body)}"}`);
    expect(entry.hash).toBe(sha256hex(body));
  });

  it('drops caller fields that would override the chain keys', () => {
    const dir = tempDir();
    const log = new DailyLog({ dir, clock: new FakeClock(localMs(10)) });
    const entry = log.append({ type: 'x', seq: 99, prev: 'forged', hash: 'forged', keep: true });
    log.close();
    expect(entry).toMatchObject({ seq: 1, type: 'x', keep: true });
    expect(entry.prev).toBe(genesisHash('2026-06-10'));
    expect(verifyLogFile(logFilePath(dir, '2026-06-10')).ok).toBe(true);
  });

  it('appendMany writes all lines in order and they verify; tail(n) returns the last n', () => {
    const dir = tempDir();
    const clock = new FakeClock(localMs(10));
    const log = new DailyLog({ dir, clock });
    log.append({ type: 'first' });
    const batch = log.appendMany(Array.from({ length: 50 }, (_, i) => ({ type: 'batch', i })));
    expect(batch.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 2));
    const file = logFilePath(dir, '2026-06-10');
    expect(fileLines(file)).toHaveLength(51);
    expect(verifyLogFile(file)).toMatchObject({ ok: true, entries: 51 });
    expect(log.tail(3)).toEqual(batch.slice(-3));
    expect(log.tail(100)).toHaveLength(51);
    expect(log.tail(0)).toEqual([]);
    expect(log.appendMany([])).toEqual([]);
    log.close();
  });

  it('tail reads across more than one window of a large file', () => {
    const dir = tempDir();
    const log = new DailyLog({ dir, clock: new FakeClock(localMs(10)) });
    const pad = 'x'.repeat(1000);
    const all = log.appendMany(Array.from({ length: 300 }, (_, i) => ({ type: 'big', i, pad })));
    expect(fs.statSync(logFilePath(dir, '2026-06-10')).size).toBeGreaterThan(256 * 1024);
    expect(log.tail(200)).toEqual(all.slice(-200));
    log.close();
    const again = new DailyLog({ dir, clock: new FakeClock(localMs(10)) });
    expect(again.append({ type: 'after' }).prev).toBe(all[299]!.hash);
    again.close();
  });

  it('tail of a day without a file is empty', () => {
    const log = new DailyLog({ dir: tempDir(), clock: new FakeClock(localMs(10)) });
    expect(log.tail(5)).toEqual([]);
  });

  it('creates its directory private and its files 0600', () => {
    const dir = `${tempDir()}/nested/logs`;
    const log = new DailyLog({ dir, clock: new FakeClock(localMs(10)) });
    log.append({ type: 'x' });
    log.close();
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(logFilePath(dir, '2026-06-10')).mode & 0o777).toBe(0o600);
  });

  it('refuses to append after close', () => {
    const log = new DailyLog({ dir: tempDir(), clock: new FakeClock(localMs(10)) });
    log.close();
    expect(() => log.append({ type: 'x' })).toThrow(/closed/);
  });
});

describe('day rollover', () => {
  it('starts a new file with its own genesis at local midnight', () => {
    const dir = tempDir();
    const clock = new FakeClock(localMs(10, 23, 59, 59));
    const log = new DailyLog({ dir, clock });
    log.append({ type: 'before' });
    clock.advance(2000);
    const after = log.append({ type: 'after' });
    log.close();

    const day1 = logFilePath(dir, '2026-06-10');
    const day2 = logFilePath(dir, '2026-06-11');
    expect(localDate(clock.now())).toBe('2026-06-11');
    expect(verifyLogFile(day1)).toMatchObject({ ok: true, entries: 1 });
    expect(verifyLogFile(day2)).toMatchObject({ ok: true, entries: 1 });
    expect(after).toMatchObject({ seq: 1, prev: genesisHash('2026-06-11') });
  });
});

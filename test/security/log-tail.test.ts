import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { logFilePath, readLastEntries, readLogEntries } from '../../src/logs/index.js';
import { genesisHash } from '../../src/logs/line.js';
import { formatLine } from '../../src/logs/line.js';
import { localMs, useTempDir } from '../logs/helpers.js';

/**
 * The dashboard's read of a day's log (issue 12): from the end, in chunks, only as far
 * as the page shows. It must give exactly what reading the whole file would give for
 * those entries, wherever the 64 KB chunks cut the lines.
 */

const tempDir = useTempDir();
const ALL = { maxBytes: Infinity, maxLineBytes: Infinity };

/**
 * A day's log of `n` entries whose sizes (a few bytes to ~150 KB) a seeded generator
 * picks, chained line by line as the writer chains them (formatLine), but without the
 * writer's field caps: a reader must cope with any line a file may hold.
 */
function dayLog(n: number, seed = 7): string {
  const dir = tempDir();
  let x = seed;
  const next = () => (x = (x * 1_103_515_245 + 12_345) % 2 ** 31);
  let prev = genesisHash('2026-06-10');
  const lines: string[] = [];
  for (let seq = 1; seq <= n; seq++) {
    const size = next() % 10 === 0 ? 60_000 + (next() % 90_000) : next() % 600;
    const ts = new Date(localMs(10, 12, 0, seq)).toISOString();
    const { entry, line } = formatLine({ ts, seq, type: 'event.received', fields: { n: seq, note: 'x'.repeat(size) }, prev });
    prev = entry.hash;
    lines.push(line);
  }
  const file = logFilePath(dir, '2026-06-10');
  fs.writeFileSync(file, lines.join(''));
  return file;
}

describe('readLastEntries', () => {
  it('equals the tail of the whole-file read, for every count, across chunk boundaries', () => {
    const file = dayLog(120);
    const whole = readLogEntries(file);
    expect(fs.statSync(file).size).toBeGreaterThan(4 * 64 * 1024);
    for (const count of [1, 2, 7, 50, 119, 120, 500]) {
      expect(readLastEntries(file, { count, ...ALL })).toEqual(whole.slice(-count));
    }
  });

  it('stops at its byte budget, skips lines over the line cap, an edited line and the unterminated tail', () => {
    const file = dayLog(60, 3);
    const whole = readLogEntries(file);
    const size = fs.statSync(file).size;

    const budget = readLastEntries(file, { count: 1000, maxBytes: 200_000, maxLineBytes: Infinity });
    const fromBudget = whole.filter((e) => e.n !== undefined).slice(-budget.length);
    expect(budget).toEqual(fromBudget);
    expect(budget.length).toBeLessThan(whole.length);

    const capped = readLastEntries(file, { count: 1000, maxBytes: Infinity, maxLineBytes: 1000 });
    expect(capped).toEqual(whole.filter((e) => String(e.note).length < 800));

    // An edited line fails its hash; a line still being written has no newline yet.
    const text = fs.readFileSync(file, 'utf8');
    const lines = text.split('\n');
    const edited = lines.length - 3;
    lines[edited] = lines[edited]!.replace('"n":', '"n" :');
    fs.writeFileSync(file, `${lines.join('\n')}{"ts":"2026-06-10T10:00:00.000Z","seq":61,"type":"half`);
    expect(fs.statSync(file).size).toBeGreaterThan(size);
    const tail = readLastEntries(file, { count: 3, ...ALL });
    expect(tail.map((e) => e.n)).toEqual([whole.at(-4)!.n, whole.at(-3)!.n, whole.at(-1)!.n]);
  });

  it('no file is no entries; a file without a newline is only an unfinished line', () => {
    const dir = tempDir();
    expect(readLastEntries(`${dir}/2026-06-10.jsonl`, { count: 5, ...ALL })).toEqual([]);
    fs.writeFileSync(`${dir}/2026-06-11.jsonl`, '{"ts":"x"');
    expect(readLastEntries(`${dir}/2026-06-11.jsonl`, { count: 5, ...ALL })).toEqual([]);
  });
});

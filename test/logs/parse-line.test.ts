import { describe, expect, it } from 'vitest';
import { formatLine, genesisHash, goodEntries, parseEntryLine, sha256hex, splitLines } from '../../src/logs/line.js';
import { verifyChainLines } from '../../src/logs/verify.js';

/**
 * One log line read back (line.ts) and a day's chain checked from its lines (verify.ts):
 * what `vigil log verify` says about each kind of damage, and that a reader skips
 * exactly the lines that are not sound entries.
 */

const DATE = '2026-06-10';
const TS = '2026-06-10T10:00:00.000Z';

/** Lines built by the spec's formula, chained from the day's genesis; `fields` per line. */
function chain(fields: Record<string, unknown>[], from = genesisHash(DATE), firstSeq = 1): string[] {
  let prev = from;
  return fields.map((own, i) => {
    const { line, entry } = formatLine({ ts: TS, seq: firstSeq + i, type: 'x', fields: own, prev });
    prev = entry.hash;
    return line.slice(0, -1);
  });
}

/** A line whose own hash checks over whatever body it is given (a foreign or buggy writer). */
function selfHashed(body: Record<string, unknown>): string {
  const text = JSON.stringify(body);
  return `${text.slice(0, -1)},"hash":"${sha256hex(text)}"}`;
}

const parse = (line: string) => parseEntryLine(Buffer.from(line));

function verify(lines: string[], partial: string | null = null) {
  return verifyChainLines('day', DATE, { lines: lines.map((l) => Buffer.from(l)), partial: partial === null ? null : Buffer.from(partial) });
}

describe('parseEntryLine', () => {
  it('reads a sound line as its entry', () => {
    const [line] = chain([{ note: 'hi' }]);
    const parsed = parse(line!);
    expect(parsed).toEqual({ kind: 'entry', entry: JSON.parse(line!) });
  });

  it('calls only JSON that does not parse a candidate tear', () => {
    const [line] = chain([{ note: 'hi' }]);
    expect(parse(line!.slice(0, -1))).toEqual({ kind: 'not-json' });
    expect(parse('')).toEqual({ kind: 'not-json' });
  });

  it('refuses JSON that is not an object', () => {
    for (const text of ['[1,2]', '42', 'null', '"text"', 'true']) {
      expect(parse(text), text).toEqual({ kind: 'invalid', reason: 'not a log entry object' });
    }
  });

  it('refuses an object without a trailing hash field, or with one that is not 64 lower-case hex', () => {
    const body = { ts: TS, seq: 1, type: 'x', prev: genesisHash(DATE) };
    expect(parse(JSON.stringify(body))).toEqual({ kind: 'invalid', reason: 'no trailing "hash" field' });
    expect(parse('{}')).toEqual({ kind: 'invalid', reason: 'no trailing "hash" field' });
    const sound = selfHashed(body);
    expect(parse(sound.replace(/"hash":"([0-9a-f]{64})"/, (_, h: string) => `"hash":"${h.toUpperCase()}"`)).kind).toBe('invalid');
    expect(parse(sound.replace(/"}$/, '0"}'))).toEqual({ kind: 'invalid', reason: 'no trailing "hash" field' });
    // The hash not last: the suffix is what a writer appends, nothing else counts.
    expect(parse(`{"hash":"${'a'.repeat(64)}","ts":"${TS}","seq":1,"type":"x","prev":"p"}`)).toEqual({ kind: 'invalid', reason: 'no trailing "hash" field' });
  });

  it('names the malformed field: ts, seq, type, prev', () => {
    const good = { ts: TS, seq: 1, type: 'x', prev: 'p' };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...good, ts: 5 }, 'ts'],
      [{ ...good, seq: 0 }, 'seq'],
      [{ ...good, seq: -1 }, 'seq'],
      [{ ...good, seq: 1.5 }, 'seq'],
      [{ ...good, seq: '1' }, 'seq'],
      [{ ...good, seq: 2 ** 53 }, 'seq'],
      [{ ...good, type: '' }, 'type'],
      [{ ...good, type: 7 }, 'type'],
      [{ ...good, prev: null }, 'prev'],
    ];
    for (const [body, field] of cases) {
      expect(parse(selfHashed(body)), JSON.stringify(body)).toEqual({ kind: 'invalid', reason: `malformed field "${field}"` });
    }
    expect(parse(selfHashed({ ...good, seq: 2 ** 53 - 1 })).kind).toBe('entry');
  });

  it('hashes the bytes as written: an edit anywhere before the hash is a mismatch', () => {
    const [line] = chain([{ note: 'café' }]);
    expect(parse(line!.replace('café', 'cafe'))).toEqual({ kind: 'invalid', reason: 'hash mismatch (edited)' });
    // Other bytes that decode to the same text (an invalid UTF-8 byte reads as U+FFFD) are another line.
    const [replaced] = chain([{ note: 'caf\ufffd' }]);
    const bytes = Buffer.from(replaced!);
    const at = bytes.indexOf(Buffer.from('\ufffd'));
    const raw = Buffer.concat([bytes.subarray(0, at), Buffer.from([0xff]), bytes.subarray(at + 3)]);
    expect(raw.toString('utf8')).toBe(replaced);
    expect(parse(replaced!).kind).toBe('entry');
    expect(parseEntryLine(raw)).toEqual({ kind: 'invalid', reason: 'hash mismatch (edited)' });
  });
});

describe('splitLines and goodEntries', () => {
  it('splits at each newline, keeping an unterminated tail apart', () => {
    const split = splitLines(Buffer.from('a\n\nbc\nd'));
    expect(split.lines.map(String)).toEqual(['a', '', 'bc']);
    expect(String(split.partial)).toBe('d');
    expect(splitLines(Buffer.from('a\n')).partial).toBeNull();
    expect(splitLines(Buffer.alloc(0))).toEqual({ lines: [], partial: null });
    // A newline as the very first byte ends an empty first line.
    const leading = splitLines(Buffer.from('\na\nb'));
    expect(leading.lines.map(String)).toEqual(['', 'a']);
    expect(String(leading.partial)).toBe('b');
  });

  it('keeps the sound entries in order, an unterminated sound last line too, and skips the rest', () => {
    const lines = chain([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
    const text = [lines[0], '{"torn', lines[1], lines[2]!.replace('"n":3', '"n":9'), ''].join('\n') + lines[3];
    expect(goodEntries(splitLines(Buffer.from(text))).map((e) => e.n)).toEqual([1, 2, 4]);
  });
});

describe('verifyChainLines', () => {
  it('counts the entries of a sound chain', () => {
    expect(verify(chain([{}, {}, {}]))).toEqual({ file: 'day', ok: true, entries: 3, torn: [], tornTail: false });
  });

  it('takes only the unterminated line as a tail: a torn line before it still needs its log.torn', () => {
    const [first, second] = chain([{}, {}]);
    expect(verify([first!, '{"a', second!], '{"b')).toMatchObject({
      ok: false,
      firstBad: { line: 2, reason: 'not JSON, and not followed by its log.torn entry (line 3 is not a log.torn entry for it)' },
    });
  });

  it('accepts an unterminated torn last line as a tail, and only the last', () => {
    const lines = chain([{}, {}]);
    expect(verify(lines, '{"ts":"2026-')).toEqual({ file: 'day', ok: true, entries: 2, torn: [], tornTail: true });
    // The same bytes terminated, with nothing after them, are not debris the writer left.
    expect(verify([...lines, '{"ts":"2026-'])).toMatchObject({
      ok: false,
      tornTail: false,
      firstBad: { line: 3, reason: 'not JSON, and not followed by its log.torn entry (end of file)' },
    });
  });

  it('accepts a torn line named by the very next entry, by line and bytes', () => {
    const [first] = chain([{}]);
    const torn = '{"ts":"2026-06';
    const { line: tornEntry } = formatLine({ ts: TS, seq: 2, type: 'log.torn', fields: { line: 2, bytes: Buffer.byteLength(torn) }, prev: JSON.parse(first!).hash as string });
    expect(verify([first!, torn, tornEntry.slice(0, -1)])).toEqual({ file: 'day', ok: true, entries: 2, torn: [2], tornTail: false });
  });

  it('refuses a log.torn entry naming other bytes or another line, and one with no torn line before it', () => {
    const [first] = chain([{}]);
    const prev = JSON.parse(first!).hash as string;
    const torn = '{"ts":"2026-06';
    const tornEntry = (fields: Record<string, unknown>) => formatLine({ ts: TS, seq: 2, type: 'log.torn', fields, prev }).line.slice(0, -1);
    expect(verify([first!, torn, tornEntry({ line: 2, bytes: 99 })]).firstBad).toEqual({
      line: 2,
      reason: 'not JSON, and not followed by its log.torn entry (line 3 is not a log.torn entry for it)',
    });
    expect(verify([first!, torn, tornEntry({ line: 1, bytes: Buffer.byteLength(torn) })]).firstBad?.line).toBe(2);
    expect(verify([first!, tornEntry({ line: 2, bytes: 3 })]).firstBad).toEqual({ line: 2, reason: 'log.torn for line 2 does not follow an unparseable line' });
    // Another entry type carrying the torn line's number and length does not name it.
    const other = formatLine({ ts: TS, seq: 2, type: 'x', fields: { line: 2, bytes: Buffer.byteLength(torn) }, prev }).line.slice(0, -1);
    expect(verify([first!, torn, other]).firstBad).toEqual({
      line: 2,
      reason: 'not JSON, and not followed by its log.torn entry (line 3 is not a log.torn entry for it)',
    });
  });

  it('refuses two unparseable lines in a row, and an edited entry after a torn line, naming the torn one', () => {
    const [first, second] = chain([{}, {}]);
    expect(verify([first!, '{"a', '{"b', second!]).firstBad).toEqual({ line: 2, reason: 'not JSON, and not followed by its log.torn entry (the next line is not JSON either)' });
    expect(verify([first!, '{"a', '[1]']).firstBad).toEqual({ line: 2, reason: 'not JSON, and not followed by its log.torn entry (line 3: not a log entry object)' });
    expect(verify([first!, '{"a', chain([{}], 'f'.repeat(64), 3)[0]!]).firstBad).toEqual({
      line: 2,
      reason: 'not JSON, and not followed by its log.torn entry (line 3: prev does not match line 1 (line removed, inserted or reordered))',
    });
  });

  it('stops at the first bad line: what follows it is not counted', () => {
    const lines = chain([{}, {}, {}, {}]);
    lines[1] = lines[1]!.replace('"seq":2', '"seq":7');
    expect(verify(lines)).toEqual({ file: 'day', ok: false, entries: 1, torn: [], tornTail: false, firstBad: { line: 2, reason: 'hash mismatch (edited)' } });
  });

  it('a chain from another day\'s genesis fails at its first line', () => {
    expect(verify(chain([{}], genesisHash('2026-06-11'))).firstBad).toEqual({
      line: 1,
      reason: "prev does not match the file's genesis (first line removed, inserted or reordered)",
    });
  });
});

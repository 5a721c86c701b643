import { describe, expect, it } from 'vitest';
import { renderOplogLine } from '../../src/daemon/oplog-pretty.js';
import { durationForPeople, isoWithOffset, paintFor, timeForPeople } from '../../src/for-people.js';

const at = (y: number, mo: number, d: number, h: number, mi: number, s: number) => new Date(y, mo - 1, d, h, mi, s).getTime();

describe('times for people', () => {
  it('local clock today, the local date in front on any other day', () => {
    const now = at(2026, 11, 30, 18, 0, 0);
    expect(timeForPeople(at(2026, 11, 30, 9, 5, 7), now)).toBe('09:05:07');
    expect(timeForPeople(new Date(at(2026, 11, 29, 23, 59, 59)).toISOString(), now)).toBe('2026-11-29 23:59:59');
    expect(timeForPeople('not a time', now)).toBe('not a time');
  });

  it('ISO-8601 with the local offset names the same instant', () => {
    for (const ms of [0, at(2026, 7, 1, 12, 0, 0) + 123, at(2026, 12, 31, 23, 59, 59)]) {
      const iso = isoWithOffset(ms);
      expect(iso).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/);
      expect(Date.parse(iso)).toBe(ms);
    }
  });

  it('durations', () => {
    expect(durationForPeople(45_000)).toBe('45s');
    expect(durationForPeople(12 * 60_000)).toBe('12m');
    expect(durationForPeople(185 * 60_000)).toBe('3h 5m');
    expect(durationForPeople(52 * 3600_000)).toBe('2d 4h');
  });
});

describe('colour', () => {
  it('only on a TTY and without NO_COLOR', () => {
    expect(paintFor({ isTTY: true }, {})('red', 'x')).toContain('\x1b[');
    expect(paintFor({ isTTY: true }, { NO_COLOR: '1' })('red', 'x')).toBe('x');
    expect(paintFor({ isTTY: false }, {})('red', 'x')).toBe('x');
  });
});

describe('a pretty oplog line', () => {
  const plain = paintFor({}, {});
  const now = Date.now();

  it('time, level, message and the fields, without pid', () => {
    const line = renderOplogLine(JSON.stringify({ level: 'warn', time: new Date(now).toISOString(), pid: 42, msg: 'store unavailable, retrying', task: 'tick', retryInMs: 500 }), plain, now);
    expect(line).toMatch(/^\d\d:\d\d:\d\d WARN {2}store unavailable, retrying {2}task=tick retryInMs=500$/);
  });

  it('control characters from a field never reach the terminal raw', () => {
    const line = renderOplogLine(JSON.stringify({ level: 'info', time: now, msg: 'x\x1b[2J', title: 'evil\x1b]0;owned\x07 title', error: { type: 'Error', message: 'bad\rline' } }), plain, now);
    expect([...line].some((c) => c.charCodeAt(0) < 0x20)).toBe(false);
    expect(line).toContain('title="evil\\u001b]0;owned\\u0007 title"');
    expect(line).toContain('error="bad\\rline"');
  });
});

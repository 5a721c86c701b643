import { afterEach, describe, expect, it } from 'vitest';
import { foreignZone } from '../../src/time-zone.js';
import { processClock, zonedClock } from '../../src/initiative/owner.js';
import { localDate, minuteOfDay } from '../../src/tick/active-hours.js';

/**
 * Issue 18, idle RSS: a zone that is the system's own is read through Date's local fields,
 * not Intl (which loads ICU's tables). That is only right if both read the same: each
 * local reading is held to Intl's answer for the same zone, the process's zone set by TZ.
 */
const saved = process.env.TZ;
afterEach(() => {
  if (saved === undefined) delete process.env.TZ;
  else process.env.TZ = saved;
});

// Winter, summer, and either side of each DST change (Berlin: 29 March and 25 October 2026 at 01:00 UTC;
// New York: 8 March and 1 November 2026 at 07:00 / 06:00 UTC), a half-hour zone, and a year's end.
const INSTANTS = [
  Date.UTC(2026, 0, 15, 12, 0),
  Date.UTC(2026, 6, 15, 23, 59),
  Date.UTC(2026, 2, 29, 0, 59),
  Date.UTC(2026, 2, 29, 1, 0),
  Date.UTC(2026, 9, 25, 0, 59),
  Date.UTC(2026, 9, 25, 1, 0),
  Date.UTC(2026, 2, 8, 6, 59),
  Date.UTC(2026, 2, 8, 7, 0),
  Date.UTC(2026, 10, 1, 5, 59),
  Date.UTC(2026, 10, 1, 6, 0),
  Date.UTC(2026, 11, 31, 23, 30),
];

function intlMinute(now: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(now));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return get('hour') * 60 + get('minute');
}

describe('the system zone read without Intl', () => {
  it.each(['Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'UTC'])('says what Intl says in %s: weekday, date, time, offset, minute of the day', (zone) => {
    process.env.TZ = zone;
    for (const now of INSTANTS) {
      expect(processClock(now)).toEqual(zonedClock(now, zone));
      expect(minuteOfDay(now)).toBe(intlMinute(now, zone));
      expect(localDate(now)).toBe(new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(now)));
    }
  });

  it('takes a configured zone as the system own only when it names the same zone', () => {
    expect(foreignZone(undefined, 'Europe/Berlin')).toBeUndefined();
    expect(foreignZone('Europe/Berlin', 'Europe/Berlin')).toBeUndefined();
    expect(foreignZone('Europe/Paris', 'Europe/Berlin')).toBe('Europe/Paris');
    // Intl's name for UTC beside the link's ("Etc/UTC"), as older homes' configs say it.
    expect(foreignZone('UTC', 'Etc/UTC')).toBeUndefined();
    expect(foreignZone('Etc/UTC', 'UTC')).toBeUndefined();
    expect(foreignZone('Etc/GMT+1', 'Etc/UTC')).toBe('Etc/GMT+1');
    // No system name known (TZ set, no /etc/localtime link): every zone goes through Intl.
    expect(foreignZone('UTC', undefined)).toBe('UTC');
  });
});

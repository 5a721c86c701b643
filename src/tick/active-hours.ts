import { localDate as processLocalDate } from '../clock.js';
import { foreignZone } from '../time-zone.js';

/**
 * Whether `now` falls inside "HH:MM-HH:MM" in the given time zone (process local when
 * none). A range whose end is before its start wraps midnight ("22:00-07:00").
 */
export function withinHours(range: string | undefined, now: number, timeZone?: string): boolean {
  if (!range) return true;
  const [start, end] = range.split('-').map(toMinutes) as [number, number];
  const minute = minuteOfDay(now, timeZone);
  if (start === end) return true;
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

export function minuteOfDay(now: number, zone?: string): number {
  const date = new Date(now);
  const timeZone = foreignZone(zone);
  if (!timeZone) return date.getHours() * 60 + date.getMinutes();
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    .formatToParts(date);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return get('hour') * 60 + get('minute');
}

/** The calendar date (`YYYY-MM-DD`) at `now` in the zone (process local when none). */
export function localDate(now: number, zone?: string): string {
  // Date's own fields in the system's zone, not Intl: formatting loads ICU's tables (~8 MB an idle daemon would keep).
  const timeZone = foreignZone(zone);
  if (!timeZone) return processLocalDate(now);
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(now));
}

/**
 * Relative dates become absolute ones (issue 5): "yesterday" in a note written on
 * 2026-01-07 means 2026-01-06, and a memory read a month later must say so. Dates are
 * calendar days (YYYY-MM-DD), computed in UTC so that no DST shift moves a day.
 */

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const DAY_MS = 86_400_000;
/** Before these, a bare date reads well ("since 2026-01-06"); elsewhere it needs "on". */
const PREPOSITION = /\b(on|since|until|till|by|from|before|after|through|as of)\s*$/i;

function toDays(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d) / DAY_MS;
}

function fromDays(days: number): string {
  return new Date(days * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(date: string, n: number): string {
  return fromDays(toDays(date) + n);
}

function weekday(date: string): number {
  return new Date(toDays(date) * DAY_MS).getUTCDay();
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

interface Rule {
  pattern: RegExp;
  resolve: (m: RegExpExecArray, on: string) => { date: string; weekday?: boolean; week?: boolean };
}

const WD = WEEKDAYS.join('|');
const NUM = '(\\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten)';
const numberOf = (word: string) =>
  /^\d+$/.test(word) ? Number(word) : ['a', 'an', 'one'].includes(word.toLowerCase()) ? 1 : ['', '', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'].indexOf(word.toLowerCase());

const RULES: Rule[] = [
  { pattern: /\bthe day after tomorrow\b/gi, resolve: (_m, on) => ({ date: addDays(on, 2) }) },
  { pattern: /\bthe day before yesterday\b/gi, resolve: (_m, on) => ({ date: addDays(on, -2) }) },
  { pattern: /\b(today|tonight|this (?:morning|afternoon|evening))\b/gi, resolve: (_m, on) => ({ date: on }) },
  { pattern: /\btomorrow\b/gi, resolve: (_m, on) => ({ date: addDays(on, 1) }) },
  { pattern: /\byesterday\b/gi, resolve: (_m, on) => ({ date: addDays(on, -1) }) },
  {
    // "next Monday": the first Monday after the day of the note.
    pattern: new RegExp(`\\bnext (${WD})\\b`, 'gi'),
    resolve: (m, on) => ({ date: addDays(on, ((WEEKDAYS.indexOf(m[1]!.toLowerCase()) - weekday(on) + 6) % 7) + 1), weekday: true }),
  },
  {
    // "this Friday": that day of the current week, today included.
    pattern: new RegExp(`\\bthis (${WD})\\b`, 'gi'),
    resolve: (m, on) => ({ date: addDays(on, (WEEKDAYS.indexOf(m[1]!.toLowerCase()) - weekday(on) + 7) % 7), weekday: true }),
  },
  {
    // "last Friday": the most recent Friday before the day of the note.
    pattern: new RegExp(`\\blast (${WD})\\b`, 'gi'),
    resolve: (m, on) => ({ date: addDays(on, -(((weekday(on) - WEEKDAYS.indexOf(m[1]!.toLowerCase()) + 6) % 7) + 1)), weekday: true }),
  },
  {
    pattern: new RegExp(`\\bin ${NUM} (day|week)s?\\b`, 'gi'),
    resolve: (m, on) => ({ date: addDays(on, numberOf(m[1]!) * (m[2]!.toLowerCase() === 'week' ? 7 : 1)) }),
  },
  {
    pattern: new RegExp(`\\b${NUM} (day|week)s? ago\\b`, 'gi'),
    resolve: (m, on) => ({ date: addDays(on, -numberOf(m[1]!) * (m[2]!.toLowerCase() === 'week' ? 7 : 1)) }),
  },
  // Weeks are named by their Monday.
  { pattern: /\bnext week\b/gi, resolve: (_m, on) => ({ date: addDays(on, 7 - ((weekday(on) + 6) % 7)), week: true }) },
  { pattern: /\blast week\b/gi, resolve: (_m, on) => ({ date: addDays(on, -7 - ((weekday(on) + 6) % 7)), week: true }) },
  { pattern: /\bthis week\b/gi, resolve: (_m, on) => ({ date: addDays(on, -((weekday(on) + 6) % 7)), week: true }) },
];

/** Replace every relative date in `text` by the absolute date it meant on the day `on` (YYYY-MM-DD). */
export function absoluteDates(text: string, on: string): string {
  let out = text;
  for (const rule of RULES) {
    out = out.replace(rule.pattern, (...args) => {
      const match = args.slice(0, -2) as unknown as RegExpExecArray;
      const offset = args[args.length - 2] as number;
      const whole = args[args.length - 1] as string;
      const { date, weekday: named, week } = rule.resolve(match, on);
      if (week) return `the week of ${date}`;
      if (named) return `${cap(WEEKDAYS[weekday(date)]!)} ${date}`;
      return PREPOSITION.test(whole.slice(0, offset)) ? date : `on ${date}`;
    });
  }
  return out;
}

/** Whether any relative date this module knows is left in `text` (for tests and the verify phase). */
export function hasRelativeDate(text: string): boolean {
  return RULES.some((rule) => {
    rule.pattern.lastIndex = 0;
    const found = rule.pattern.test(text);
    rule.pattern.lastIndex = 0;
    return found;
  });
}

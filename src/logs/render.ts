/** One log entry as one line for a person: `HH:MM:SS  type  key=value key=value`. */
import { timeForPeople } from '../for-people.js';
import type { LogEntry } from './types.js';

// Chain bookkeeping, and the outbox id the journal uses for exactly-once appends: not for people.
const CHAIN_KEYS = new Set(['ts', 'seq', 'type', 'prev', 'hash', 'oid']);
const MAX_VALUE = 80;
/**
 * Strings are quoted (JSON-escaped) when bare text would mislead: whitespace would blur
 * the key=value split, and control characters from webhook text could drive the terminal.
 */
const NEEDS_QUOTES = /[\s\p{Cc}"]/u;

/**
 * With `now`, the time is written as everywhere for people (src/for-people.ts): the local
 * clock, with the date in front when the entry is not from today; without, the clock only.
 */
export function renderEntry(entry: LogEntry, now?: number): string {
  const head = `${now === undefined ? localClock(entry.ts) : timeForPeople(entry.ts, now)}  ${entry.type}`;
  const pairs = Object.entries(entry)
    .filter(([key]) => !CHAIN_KEYS.has(key))
    .map(([key, value]) => `${key}=${renderValue(value)}`);
  return pairs.length > 0 ? `${head}  ${pairs.join(' ')}` : head;
}

function localClock(ts: string): string {
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return '??:??:??';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function renderValue(value: unknown): string {
  if (typeof value === 'string') {
    const text = truncate(value);
    return text === '' || NEEDS_QUOTES.test(text) ? JSON.stringify(text) : text;
  }
  return truncate(JSON.stringify(value) ?? String(value));
}

function truncate(text: string): string {
  if (text.length <= MAX_VALUE) return text;
  // By code point, so an emoji is never cut in half.
  return Array.from(text).slice(0, MAX_VALUE - 1).join('') + '…';
}

import fs from 'node:fs';
import type { DestinationStream } from 'pino';
import { type Paint, type Style, timeForPeople } from '../for-people.js';

/**
 * The operational log for a person at a terminal (`vigil start` on a TTY, or
 * `--log-format pretty`): `18:44:25 INFO  vigil started  url=… home=…`. It sits behind
 * pino as its destination, so a pretty line is made from the very JSON line that would
 * have been printed — redacted by the same code, with the same fields.
 */

/** Fields every line carries that a person does not need: the pid is the same on every line. */
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname']);
const MAX_VALUE = 120;
/** Quote a value when bare text would blur the key=value split, or control bytes (from webhook text) could drive the terminal. */
const NEEDS_QUOTES = /[\s\p{Cc}"=]/u;
const LEVEL_STYLE: Record<string, Style> = { fatal: 'red', error: 'red', warn: 'yellow', info: 'green', debug: 'gray', trace: 'gray' };

export interface PrettyOptions {
  paint: Paint;
  now: () => number;
  /** Defaults to a synchronous write on fd 1, as the JSON lines. */
  write?: (text: string) => void;
}

export function prettyDestination(options: PrettyOptions): DestinationStream {
  const write = options.write ?? ((text: string) => void fs.writeSync(1, text));
  return {
    write(line: string) {
      for (const one of line.split('\n')) if (one.trim()) write(renderOplogLine(one, options.paint, options.now()) + '\n');
    },
  };
}

export function renderOplogLine(json: string, paint: Paint, now: number): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return sanitise(json);
  }
  const level = typeof record.level === 'string' ? record.level : 'info';
  const time = typeof record.time === 'string' || typeof record.time === 'number' ? timeForPeople(record.time, now) : '';
  const head = `${paint('dim', time)} ${paint(LEVEL_STYLE[level] ?? 'bold', level.toUpperCase().padEnd(5))} ${sanitise(String(record.msg ?? ''))}`;
  const pairs = Object.entries(record)
    .filter(([key, value]) => !HIDDEN.has(key) && value !== undefined && value !== null)
    .map(([key, value]) => `${paint('dim', sanitise(key) + '=')}${renderValue(value)}`);
  return pairs.length ? `${head}  ${pairs.join(' ')}` : head;
}

function renderValue(value: unknown): string {
  // An error (the oplog keeps its type and message) reads best as its message.
  if (value && typeof value === 'object' && 'message' in value && typeof (value as { message: unknown }).message === 'string') {
    return renderValue((value as { message: string }).message);
  }
  const text = truncate(typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value)));
  return typeof value === 'string' && (text === '' || NEEDS_QUOTES.test(text)) ? JSON.stringify(text) : sanitise(text);
}

/** Control characters as JSON escapes: nothing from a log field moves the cursor or sets a colour. */
function sanitise(text: string): string {
  return text.replace(/\p{Cc}/gu, (c) => JSON.stringify(c).slice(1, -1));
}

function truncate(text: string): string {
  if (text.length <= MAX_VALUE) return text;
  return Array.from(text).slice(0, MAX_VALUE - 1).join('') + '…';
}

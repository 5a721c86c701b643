/**
 * The byte format of one log line. Hashes are taken over the exact bytes written, never
 * over a re-serialisation, so no JSON canonicalisation is needed (see the spec in
 * src/logs/index.ts): body = JSON.stringify({ts, seq, type, ...fields, prev}),
 * hash = sha256(body), line = body minus "}" + `,"hash":"<hex>"}` + "\n".
 */
import { createHash } from 'node:crypto';
import type { LogEntry } from './types.js';

/** Keys the log owns; a caller's field with one of these names is dropped, not merged. */
const RESERVED = new Set(['ts', 'seq', 'type', 'prev', 'hash']);
const HASH_HEX = 64;
/** `,"hash":"` + 64 hex + `"}` */
const SUFFIX_BYTES = 9 + HASH_HEX + 2;
const SUFFIX_RE = /^,"hash":"([0-9a-f]{64})"\}$/;
const NEWLINE = 0x0a;

export function sha256hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Each file chains from its own genesis, so it verifies alone and losing line 1 shows. */
export function genesisHash(date: string): string {
  return sha256hex(`vigil-log:${date}`);
}

export interface FormattedLine {
  entry: LogEntry;
  line: string;
}

export function formatLine(p: {
  ts: string;
  seq: number;
  type: string;
  fields: Record<string, unknown>;
  prev: string;
}): FormattedLine {
  let own = p.fields;
  let plain = true;
  for (const key in p.fields) {
    if (RESERVED.has(key)) own = Object.fromEntries(Object.entries(p.fields).filter(([k]) => !RESERVED.has(k)));
    if (plain && !isPlainJson(p.fields[key])) plain = false;
  }
  const body = JSON.stringify({ ts: p.ts, seq: p.seq, type: p.type, ...own, prev: p.prev });
  const hash = sha256hex(body);
  const line = `${body.slice(0, -1)},"hash":"${hash}"}\n`;
  // The caller sees what a reader will see (Dates as strings, no undefineds): fields that
  // are strings, finite numbers, booleans or null read back as they are, so only other
  // values pay for a parse of the line (a webhook burst writes thousands of plain ones).
  const entry = (plain
    ? { ts: p.ts, seq: p.seq, type: p.type, ...own, prev: p.prev, hash }
    : { ...(JSON.parse(body) as Record<string, unknown>), hash }) as LogEntry;
  return { entry, line };
}

function isPlainJson(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    default:
      return value === null;
  }
}

export type ParsedLine =
  | { kind: 'entry'; entry: LogEntry }
  /** Candidate torn line: only JSON that does not parse can come from a cut write. */
  | { kind: 'not-json' }
  /** Parses as JSON but is not a sound entry: an edit, never a tear. */
  | { kind: 'invalid'; reason: string };

/** Parses one line (without its "\n") and checks its own hash against its bytes. */
export function parseEntryLine(bytes: Uint8Array): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return { kind: 'not-json' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'invalid', reason: 'not a log entry object' };
  }
  const suffix = bytes.length >= SUFFIX_BYTES
    ? SUFFIX_RE.exec(Buffer.from(bytes.subarray(bytes.length - SUFFIX_BYTES)).toString('latin1'))
    : null;
  if (!suffix) return { kind: 'invalid', reason: 'no trailing "hash" field' };
  const entry = value as LogEntry;
  const malformed = malformedField(entry);
  if (malformed) return { kind: 'invalid', reason: `malformed field "${malformed}"` };
  // Hash the raw bytes, not a decoded string: an edit to invalid UTF-8 must not decode
  // back to the original text.
  const body = Buffer.concat([bytes.subarray(0, bytes.length - SUFFIX_BYTES), Buffer.from('}')]);
  if (sha256hex(body) !== suffix[1]) return { kind: 'invalid', reason: 'hash mismatch (edited)' };
  return { kind: 'entry', entry };
}

function malformedField(e: LogEntry): string | null {
  if (typeof e.ts !== 'string') return 'ts';
  if (!Number.isSafeInteger(e.seq) || e.seq < 1) return 'seq';
  if (typeof e.type !== 'string' || e.type === '') return 'type';
  if (typeof e.prev !== 'string') return 'prev';
  return null;
}

export interface SplitLines {
  /** Lines that ended in "\n", without it. */
  lines: Buffer[];
  /** Bytes after the last "\n", if any: a line still being written, or torn by a crash. */
  partial: Buffer | null;
}

export function splitLines(buf: Buffer): SplitLines {
  const lines: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const nl = buf.indexOf(NEWLINE, pos);
    if (nl < 0) break;
    lines.push(buf.subarray(pos, nl));
    pos = nl + 1;
  }
  return { lines, partial: pos < buf.length ? buf.subarray(pos) : null };
}

/** The good entries among some lines, in order; torn and edited lines are skipped. */
export function goodEntries(split: SplitLines): LogEntry[] {
  const all = split.partial ? [...split.lines, split.partial] : split.lines;
  const out: LogEntry[] = [];
  for (const bytes of all) {
    const parsed = parseEntryLine(bytes);
    if (parsed.kind === 'entry') out.push(parsed.entry);
  }
  return out;
}

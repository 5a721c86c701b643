/**
 * Bounded records (issue 12): text an attacker chose (a webhook's issue body, a model's
 * params quoting it) is capped per field before it is written, so one 24 MB delivery
 * cannot become a 24 MB log line or a 24 MB row. What was cut is said in the text; the
 * whole of it stays in the delivery spool, which the line points to by its event or
 * delivery id.
 */

import type { SecretMask } from '../secrets/index.js';

/** What bounding needs of a mask: redact the kept part, and cut where no secret straddles. */
export type CutMask = Pick<SecretMask, 'redact' | 'safeCut'>;

/** Characters kept of one string. */
export const MAX_FIELD_CHARS = 4096;
/** Items kept of one array, keys of one object. */
export const MAX_ITEMS = 100;
const MAX_DEPTH = 8;

export function cutMarker(n: number, what = 'chars'): string {
  return `…[cut ${n} ${what}]`;
}

/** With a mask, what is kept is also redacted (and only what is kept is ever scanned). */
export function boundText(text: string, max = MAX_FIELD_CHARS, mask?: CutMask): string {
  if (text.length <= max) return mask ? mask.redact(text) : text;
  const end = mask ? mask.safeCut(text, max) : max;
  const kept = text.slice(0, end);
  return (mask ? mask.redact(kept) : kept) + cutMarker(text.length - end);
}

/** A copy of a JSON-like value with every string (and key) capped, and redacted with a mask; arrays and objects capped too. */
export function boundValue<T>(value: T, mask?: CutMask, depth = 0): T {
  if (typeof value === 'string') return boundText(value, MAX_FIELD_CHARS, mask) as T;
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  if (depth >= MAX_DEPTH) return cutMarker(JSON.stringify(value)?.length ?? 0) as T;
  if (Array.isArray(value)) {
    const kept = value.slice(0, MAX_ITEMS).map((v) => boundValue(v, mask, depth + 1));
    if (value.length > MAX_ITEMS) kept.push(cutMarker(value.length - MAX_ITEMS, 'items'));
    return kept as T;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  const out: Record<string, unknown> = {};
  for (const [key, v] of entries.slice(0, MAX_ITEMS)) out[boundText(key, 256, mask)] = boundValue(v, mask, depth + 1);
  if (entries.length > MAX_ITEMS) out['…'] = cutMarker(entries.length - MAX_ITEMS, 'keys');
  return out as T;
}

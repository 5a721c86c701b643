/**
 * Chaining records into lines, written once for every place a chain lives: the daily
 * files (daily-log.ts) and the team store's log table (src/store/pg/log.ts). The format
 * and the hash are line.ts's; nothing here knows where the lines go.
 */
import type { SecretMask } from '../secrets/index.js';
import { boundValue } from './bound.js';
import { formatLine, genesisHash } from './line.js';
import type { LogEntry, LogRecord } from './types.js';

/** Where a chain stands: its last entry's seq and hash (seq 0 and the genesis when empty). */
export interface ChainHead {
  seq: number;
  last: string;
}

export function chainStart(date: string): ChainHead {
  return { seq: 0, last: genesisHash(date) };
}

export interface ChainedRecords {
  entries: LogEntry[];
  /** One per entry, each ending in "\n", exactly the bytes the hash was taken over plus its suffix. */
  lines: string[];
  head: ChainHead;
}

/**
 * Formats `records` after `head`: ts defaults to `now`; every field is capped and masked
 * (src/logs/bound.ts) before it is hashed, so no secret is ever part of a chain.
 */
export function chainRecords(p: { head: ChainHead; records: LogRecord[]; now: number; mask: SecretMask }): ChainedRecords {
  let { seq, last } = p.head;
  const entries: LogEntry[] = [];
  const lines: string[] = [];
  for (const record of p.records) {
    const { type, ts, ...fields } = record;
    if (typeof type !== 'string' || type === '') throw new TypeError('a log record needs a type');
    const iso = new Date(ts ?? p.now).toISOString();
    const formatted = formatLine({ ts: iso, seq: seq + 1, type, fields: boundValue(fields, p.mask), prev: last });
    seq += 1;
    last = formatted.entry.hash;
    entries.push(formatted.entry);
    lines.push(formatted.line);
  }
  return { entries, lines, head: { seq, last } };
}

/**
 * How vigil names a log entry in what it writes for people (a search hit's ref, a memory
 * fact's source), on either backend (test/helpers/backend.ts): `log DAY#SEQ` on a home,
 * `log NODE/DAY#SEQ` on a team, whose day has a chain per node (src/memory/team-search.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { homeStoreUrl } from './backend.js';
import { query } from './home.js';

/** A RegExp source matching such a ref. */
export function logRefPattern(home: string): string {
  return homeStoreUrl(home) ? 'log [A-Za-z0-9._-]+/\\d{4}-\\d{2}-\\d{2}#\\d+' : 'log \\d{4}-\\d{2}-\\d{2}#\\d+';
}

/** The entry a ref names (`chain` is what stands between `log ` and `#`: a day, or node/day). */
export function logEntryAt(home: string, chain: string, seq: number): Record<string, unknown> | undefined {
  if (!homeStoreUrl(home)) {
    return fs
      .readFileSync(path.join(home, 'logs', `${chain}.jsonl`), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((e) => e.seq === seq);
  }
  const [node, day] = chain.split('/');
  const [row] = query<{ line: string }>(home, 'SELECT line FROM log_entries WHERE node = ? AND day = ? AND seq = ?', node, day, seq);
  return row ? (JSON.parse(row.line) as Record<string, unknown>) : undefined;
}

/**
 * Everything a home's log holds, as text, whichever backend (test/helpers/backend.ts):
 * on SQLite every file of `logs/` as written (torn lines and all), on PostgreSQL every
 * line of every node's chain in `log_entries`. For a test that asserts a string is
 * nowhere in the log (a secret, a webhook URL).
 */
import fs from 'node:fs';
import path from 'node:path';
import { homeStoreUrl, pgLogLines } from './backend.js';

export function logText(home: string): string {
  const storeUrl = homeStoreUrl(home);
  if (storeUrl) return pgLogLines(storeUrl).join('\n');
  const dir = path.join(home, 'logs');
  if (!fs.existsSync(dir)) return '';
  return fs
    .readdirSync(dir)
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
    .join('');
}

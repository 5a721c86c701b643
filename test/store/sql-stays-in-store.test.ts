import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * The store owns every query (docs/architecture.md): no room but src/store prepares a
 * statement or talks to a database handle directly, so that no SQL dialect leaks out of
 * the store and a second backend has one seam to plug into.
 */
const SRC = path.resolve(import.meta.dirname, '../../src');
const STORE = path.join(SRC, 'store');

/** What only src/store may write: a prepared statement, a pragma, raw SQL on a handle. */
const FORBIDDEN = [/\bprepare\(/, /\.pragma\(/, /\bdb\.exec\(/];

interface Hit {
  file: string;
  line: number;
  text: string;
}

function typeScriptFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return typeScriptFiles(full);
    return entry.isFile() && entry.name.endsWith('.ts') ? [full] : [];
  });
}

function scanText(file: string, text: string): Hit[] {
  return text.split('\n').flatMap((line, i) => (FORBIDDEN.some((re) => re.test(line)) ? [{ file, line: i + 1, text: line.trim() }] : []));
}

/** Every forbidden line in the .ts files under `root`, except those under `allowed`. */
function scanTree(root: string, allowed: string): { files: number; hits: Hit[] } {
  const files = typeScriptFiles(root).filter((f) => !f.startsWith(allowed + path.sep));
  return { files: files.length, hits: files.flatMap((f) => scanText(path.relative(root, f), fs.readFileSync(f, 'utf8'))) };
}

const where = (hits: Hit[]) => hits.map((h) => `${h.file}:${h.line}: ${h.text}`);

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('SQL stays in src/store', () => {
  it('no file under src/ outside src/store prepares a statement, sets a pragma or runs db.exec', () => {
    const { files, hits } = scanTree(SRC, STORE);
    // The scan saw the source tree, not an empty folder.
    expect(files).toBeGreaterThan(100);
    expect(where(hits)).toEqual([]);
  });

  it('the scanner names file:line of a planted query, and lets the same line pass inside the store', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-sql-scan-'));
    temps.push(root);
    fs.mkdirSync(path.join(root, 'notify'));
    fs.mkdirSync(path.join(root, 'store'));
    const planted = [
      "import type { Db } from '../store/index.js';",
      '',
      'export function count(db: Db): number {',
      "  return (db.prepare('SELECT count(*) AS n FROM kv').get() as { n: number }).n;",
      '}',
      "export const wal = (db: Db) => db.pragma('journal_mode');",
      "export const raw = (db: Db) => db.exec('DELETE FROM kv');",
      "export const notSql = /x/.exec('x');",
    ].join('\n');
    fs.writeFileSync(path.join(root, 'notify', 'planted.ts'), planted);
    fs.writeFileSync(path.join(root, 'store', 'allowed.ts'), planted);

    const { files, hits } = scanTree(root, path.join(root, 'store'));
    expect(files).toBe(1);
    expect(where(hits)).toEqual([
      `${path.join('notify', 'planted.ts')}:4: return (db.prepare('SELECT count(*) AS n FROM kv').get() as { n: number }).n;`,
      `${path.join('notify', 'planted.ts')}:6: export const wal = (db: Db) => db.pragma('journal_mode');`,
      `${path.join('notify', 'planted.ts')}:7: export const raw = (db: Db) => db.exec('DELETE FROM kv');`,
    ]);
  });
});

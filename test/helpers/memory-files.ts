/**
 * A home's memory files, whichever backend (test/helpers/backend.ts): on SQLite the files
 * under `memory/` and their kept versions under `memory/.history/<file>/`, on PostgreSQL
 * the rows of `memory_files` (one per version, the newest the file as it reads now).
 * `memoryFile` (test/helpers/store-rows.ts) reads the file as it now reads.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { TeamMemoryView } from '../../src/memory/team-files.js';
import { homeStoreUrl } from './backend.js';
import { query } from './home.js';

/** Writes `content` as the memory file `rel` (a new version on a team), as the owner's editor or a dream would have. */
export function writeMemoryFile(home: string, rel: string, content: string): void {
  const url = homeStoreUrl(home);
  if (!url) {
    const full = path.join(home, 'memory', rel);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, content);
    return;
  }
  // Through stdin, where psql binds its variables as quoted literals (:'name').
  const sql = `INSERT INTO memory_files (path, version, content, written_at, written_by)
    SELECT :'rel', coalesce(max(version), 0) + 1, :'content', ${Date.now()}, 'test' FROM memory_files WHERE path = :'rel';`;
  const result = spawnSync('psql', [url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-v', `rel=${rel}`, '-v', `content=${content}`], { input: sql, encoding: 'utf8', timeout: 20_000 });
  if (result.status !== 0) throw new Error(`psql failed (${result.status}): ${result.stderr || String(result.error)}`);
}

/**
 * The versions of `rel` kept before the file as it reads now, oldest first, each with the
 * name `memory.edited` and `vigil memory history` give it: the history file's name on a
 * home, on a team the same name made from its row (src/memory/team-files.ts).
 */
export function memoryHistory(home: string, rel: string): Array<{ version: string; content: string }> {
  if (!homeStoreUrl(home)) {
    const dir = path.join(home, 'memory/.history', rel);
    if (!fs.existsSync(dir)) return [];
    return fs
      .readdirSync(dir)
      .sort()
      .map((version) => ({ version, content: fs.readFileSync(path.join(dir, version), 'utf8') }));
  }
  const rows = query<{ path: string; version: number; content: string | null; writtenAt: number | null }>(
    home,
    'SELECT path, version, content, written_at AS "writtenAt" FROM memory_files WHERE path = ?',
    rel,
  );
  const view = new TeamMemoryView(rows);
  return view
    .versions(rel)
    .map((v) => ({ version: v.version, content: view.readVersion(rel, v.version) }))
    .reverse();
}

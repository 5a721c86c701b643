/**
 * The owner's edit of a memory file, on either backend (test/helpers/backend.ts): a home's
 * memory is its `memory/` folder, a team's the newest version of each path in
 * `memory_files` (pg-001…), which a node reads for every prompt. On PostgreSQL the node
 * must have started (it migrates the database): call this after `startDaemon`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { homeStoreUrl } from './backend.js';

export function writeMemoryFile(home: string, file: string, content: string): void {
  const url = homeStoreUrl(home);
  if (!url) {
    const target = path.join(home, 'memory', file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
    return;
  }
  // A new version of the path, as an edit through the memory tool adds one; psql's variables quote the text.
  const sql = `INSERT INTO memory_files (path, version, content, written_at, written_by)
    SELECT :'path', coalesce(max(version), 0) + 1, :'content', ${Date.now()}, 'test' FROM memory_files WHERE path = :'path'`;
  const result = spawnSync('psql', [url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-v', `path=${file}`, '-v', `content=${content}`], { input: sql, encoding: 'utf8', timeout: 20_000 });
  if (result.status !== 0) throw new Error(`psql failed (${result.status}): ${result.stderr || String(result.error)}`);
}

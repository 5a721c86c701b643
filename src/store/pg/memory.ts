/**
 * The team store's memory folder (issue 19): every version of every file a row of
 * `memory_files` (migration pg-004), the newest version the file, a NULL content a
 * removal. Filled by `vigil migrate`; read by `vigil memory show` and `history` on a
 * team's home (src/memory/team-files.ts names the versions as a home's .history does).
 */
import type { Queryable } from './connect.js';

export interface PgMemoryRow {
  path: string;
  version: number;
  /** null: the file was removed at this version. */
  content: string | null;
  writtenAt: number | null;
}

/** Every version of every file. */
export async function readPgMemoryRows(db: Queryable): Promise<PgMemoryRow[]> {
  const rows = (await db.query<{ path: string; version: number; content: string | null; written_at: number | null }>(
    'SELECT path, version, content, written_at FROM memory_files',
  )).rows;
  return rows.map((r) => ({ path: r.path, version: r.version, content: r.content, writtenAt: r.written_at }));
}

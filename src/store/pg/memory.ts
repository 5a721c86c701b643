/**
 * The team store's memory folder (issue 19): every version of every file a row of
 * `memory_files` (migration pg-004), the newest version the file, a NULL content a
 * removal. Filled by `vigil migrate`; read by `vigil memory show` and `history` on a
 * team's home (src/memory/team-files.ts names the versions as a home's .history does);
 * written, several files in one transaction, by `writePgMemory`.
 */
import type pg from 'pg';
import { VigilError } from '../../errors.js';
import { failpoint } from '../../failpoints.js';
import { withTransaction, type Queryable } from './connect.js';

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

/** One file's newest content (its MEMORY.md for a decision's prompt); undefined when it has none or was removed. */
export async function readPgMemoryFile(db: Queryable, path: string): Promise<string | undefined> {
  const row = (await db.query<{ content: string | null }>('SELECT content FROM memory_files WHERE path = $1 ORDER BY version DESC LIMIT 1', [path])).rows[0];
  return row?.content ?? undefined;
}

/** Every file's newest content, removed files left out (a node's copy for its decisions' memory_view). */
export async function readPgMemoryHeads(db: Queryable): Promise<Array<{ path: string; content: string }>> {
  const { rows } = await db.query<{ path: string; content: string | null }>(
    'SELECT DISTINCT ON (path) path, content FROM memory_files ORDER BY path, version DESC',
  );
  return rows.flatMap((r) => (r.content === null ? [] : [{ path: r.path, content: r.content }]));
}

/** Each file's newest content from every version's row, removed files left out. */
export function memoryHeads(rows: readonly PgMemoryRow[]): Map<string, string> {
  const newest = new Map<string, PgMemoryRow>();
  for (const row of rows) if ((newest.get(row.path)?.version ?? 0) < row.version) newest.set(row.path, row);
  return new Map([...newest].flatMap(([path, row]) => (row.content === null ? [] : [[path, row.content] as const])));
}

/** The memory tool's limit (MAX_MEMORY_FILE_BYTES in src/memory/tool.ts), also a CHECK of the table. */
export const PG_MEMORY_FILE_BYTES = 100 * 1024;
/** As the home's .history keeps (src/memory/files.ts). */
const KEEP_VERSIONS = 50;

/** One file's change in a write: its new content, or null to remove it. */
export interface PgMemoryChange {
  path: string;
  content: string | null;
}

/**
 * A write of several memory files in one transaction (`withTransaction`), so a reader —
 * or a writer killed halfway — sees all of it or none: the writers of a team's memory
 * queue on one transaction-scoped advisory lock, then `changes(rows)` computes the write
 * from the rows as they are inside it (no update is lost to a concurrent writer). Each
 * changed file gets a new version, versions past KEEP_VERSIONS are dropped; a file over
 * the limit refuses the whole write. Returns the paths that changed.
 */
export async function writePgMemory(
  pool: pg.Pool,
  by: string,
  now: number,
  changes: (rows: PgMemoryRow[]) => PgMemoryChange[],
  /** More of the same transaction after the files (a dream's state and its log line): it commits with them or not at all. */
  also?: (client: pg.PoolClient, changed: readonly string[]) => Promise<void>,
): Promise<string[]> {
  return withTransaction(pool, async (client) => {
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('vigil-memory', 0))`);
    const rows = await readPgMemoryRows(client);
    const heads = new Map<string, PgMemoryRow>();
    for (const row of rows) if ((heads.get(row.path)?.version ?? 0) < row.version) heads.set(row.path, row);
    const changed: string[] = [];
    for (const change of changes(rows)) {
      if (change.content !== null && Buffer.byteLength(change.content) > PG_MEMORY_FILE_BYTES) {
        throw new VigilError('VIGIL_ERR_MEMORY_COMMAND', `${change.path}: a memory file holds at most ${PG_MEMORY_FILE_BYTES} bytes`);
      }
      const head = heads.get(change.path);
      if ((head?.content ?? null) === change.content) continue;
      const version = (head?.version ?? 0) + 1;
      await client.query(
        'INSERT INTO memory_files (path, version, content, written_at, written_by) VALUES ($1, $2, $3, $4, $5)',
        [change.path, version, change.content, now, by],
      );
      await client.query('DELETE FROM memory_files WHERE path = $1 AND version <= $2', [change.path, version - 1 - KEEP_VERSIONS]);
      heads.set(change.path, { path: change.path, version, content: change.content, writtenAt: now });
      if (!changed.includes(change.path)) changed.push(change.path);
      await failpoint('memory.pg_file_written');
    }
    await also?.(client, changed);
    return changed;
  });
}

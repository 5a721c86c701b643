import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { errorText, VigilError } from '../errors.js';
import { MIGRATIONS } from './migrations.js';
import { DEFAULT_BUSY_TIMEOUT_MS } from './retry.js';

export type Db = Database.Database;

/**
 * Open the database in WAL mode: the daemon, the worker and CLI commands share it,
 * and readers never block the writer. `synchronous = NORMAL` in WAL keeps every
 * committed transaction across a process crash (only power loss can drop the last
 * ones), which is what "never lose an acknowledged event" needs from a daemon.
 */
export interface OpenOptions {
  /**
   * How long one statement waits inside SQLite for another process's write lock. The
   * daemon passes a short one (`DAEMON_BUSY_TIMEOUT_MS`) and retries on its timers;
   * migrations always get the long default, since nothing else runs yet.
   */
  busyTimeoutMs?: number;
}

/**
 * SQLite's own default page cache, 2 MiB (negative: KiB). better-sqlite3 builds with 16 MiB,
 * which a long-running daemon fills once reading a year of history and keeps for good (issue
 * 18, idle RSS); the operating system's page cache holds the file either way.
 */
const PAGE_CACHE_KIB = -2000;

export function openDb(file: string, options: OpenOptions = {}): Db {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  let db: Db;
  try {
    db = new Database(file);
  } catch (err) {
    throw new VigilError('VIGIL_ERR_STORE', `${file}: ${errorText(err)}`, { cause: err });
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma(`cache_size = ${PAGE_CACHE_KIB}`);
  // Another process (worker, CLI) may hold the write lock for a moment.
  db.pragma(`busy_timeout = ${DEFAULT_BUSY_TIMEOUT_MS}`);
  migrate(db);
  setBusyTimeout(db, options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
  return db;
}

export function setBusyTimeout(db: Db, ms: number): void {
  db.pragma(`busy_timeout = ${Math.max(0, Math.round(ms))}`);
}

export function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new VigilError('VIGIL_ERR_MIGRATION', `schema version ${current}, this vigil knows ${MIGRATIONS.length}`);
  }
  db.exec('CREATE TABLE IF NOT EXISTS _migrations (id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const applied = new Set((db.prepare('SELECT id FROM _migrations').all() as { id: string }[]).map((r) => r.id));
  const known = new Set(MIGRATIONS.map((m) => m.id));
  const unknown = [...applied].filter((id) => !known.has(id));
  if (unknown.length) throw new VigilError('VIGIL_ERR_MIGRATION', `unknown migrations ${unknown.join(', ')}`);
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.id)) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.prepare('INSERT INTO _migrations (id, applied_at) VALUES (?, ?)').run(migration.id, Date.now());
      applied.add(migration.id);
      db.pragma(`user_version = ${applied.size}`);
    }).immediate();
  }
}

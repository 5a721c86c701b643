/**
 * A home filled with a history written by vigil's own code (DailyLog, the memory.note
 * handler…) on either backend (test/helpers/backend.ts), and copied whole. On SQLite the
 * writer gets the home's own logs/, memory/ and vigil.db. On PostgreSQL it gets a scratch
 * home that holds the team's memory as it now reads; afterwards the days it wrote become
 * FIXTURE_NODE's chains of the team's database (as home-log.ts seeds them, as `vigil
 * migrate` copies a home's days) and each memory file it changed a new version of its
 * `memory_files` row — so what a dream of the team reads is what a home's dream reads.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { migratePg } from '../../src/store/pg/index.js';
import { homeStoreUrl, PG_BASE_ENV } from './backend.js';
import { insertChain } from './home-log.js';
import { writeConfig } from './home.js';
import { sqlSync } from './pg-sync.js';

export interface FillDirs {
  logs: string;
  memory: string;
  db: string;
}

export async function fillHomeWith<T>(home: string, write: (dirs: FillDirs) => Promise<T>): Promise<T> {
  const url = homeStoreUrl(home);
  if (!url) return write({ logs: path.join(home, 'logs'), memory: path.join(home, 'memory'), db: path.join(home, 'vigil.db') });
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-fill-'));
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  try {
    await migratePg(pool);
    const dirs = { logs: path.join(scratch, 'logs'), memory: path.join(scratch, 'memory'), db: path.join(scratch, 'vigil.db') };
    const before = await memoryHeads(pool);
    for (const [rel, content] of before) {
      fs.mkdirSync(path.dirname(path.join(dirs.memory, rel)), { recursive: true });
      fs.writeFileSync(path.join(dirs.memory, rel), content);
    }
    const result = await write(dirs);
    for (const file of fs.existsSync(dirs.logs) ? fs.readdirSync(dirs.logs).filter((f) => f.endsWith('.jsonl')).sort() : []) {
      const lines = fs.readFileSync(path.join(dirs.logs, file), 'utf8').split('\n').filter(Boolean);
      await insertChain(pool, file.slice(0, -'.jsonl'.length), lines);
    }
    for (const [rel, content] of filesUnder(dirs.memory)) {
      if (before.get(rel) === content) continue;
      await pool.query(
        `INSERT INTO memory_files (path, version, content, written_at, written_by)
         SELECT $1, coalesce(max(version), 0) + 1, $2, $3, 'test' FROM memory_files WHERE path = $1`,
        [rel, content, Date.now()],
      );
    }
    return result;
  } finally {
    await pool.end();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** A copy of `from` at `to`: the directory, and on PostgreSQL its database too (no node may run on it), which the copy's config names. */
export function copyHomeWhole(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
  const url = homeStoreUrl(from);
  if (!url) return;
  const name = `copy_${process.pid}_${++copies}`;
  const base = process.env[PG_BASE_ENV]!;
  const source = new URL(url).pathname.slice(1);
  // A template must have no session: the test's own readers (pg-sync.ts) keep one, which reconnects at its next query.
  sqlSync(`${base}postgres`, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '${source}'`);
  sqlSync(`${base}postgres`, `CREATE DATABASE ${name} TEMPLATE ${source}`);
  const config = JSON.parse(fs.readFileSync(path.join(to, 'config.json'), 'utf8')) as { store: Record<string, unknown> };
  writeConfig(to, { store: { ...config.store, url: `${base}${name}` } });
}

let copies = 0;

/** The memory files as they now read (MEMORY.md, topics/…, notes.md): the folder's files, or each row's newest version on a team. */
export function memoryNow(home: string): Map<string, string> {
  const url = homeStoreUrl(home);
  if (!url) return filesUnder(path.join(home, 'memory'));
  const [json] = sqlSync(
    url,
    `SELECT coalesce(json_agg(json_build_array(path, content)), '[]') FROM (SELECT DISTINCT ON (path) path, content FROM memory_files ORDER BY path, version DESC) heads WHERE content IS NOT NULL`,
  );
  return new Map(JSON.parse(json ?? '[]') as Array<[string, string]>);
}

async function memoryHeads(pool: pg.Pool): Promise<Map<string, string>> {
  const { rows } = await pool.query<{ path: string; content: string }>(
    'SELECT path, content FROM (SELECT DISTINCT ON (path) path, content FROM memory_files ORDER BY path, version DESC) heads WHERE content IS NOT NULL',
  );
  return new Map(rows.map((r) => [r.path, r.content]));
}

/** Every file under `root` but hidden ones (a folder's kept versions, temp files), by its path relative to it. */
function filesUnder(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.set(path.relative(root, full).split(path.sep).join('/'), fs.readFileSync(full, 'utf8'));
    }
  };
  walk(root);
  return files;
}

/**
 * A home's log as tests seed and tamper with it, on either backend (test/helpers/backend.ts).
 * On SQLite a day is a file, logs/<day>.jsonl; on PostgreSQL it is a chain of rows of
 * `log_entries` (src/store/pg/log.ts). Fixtures are written by src/logs' own DailyLog either
 * way — on PostgreSQL into a scratch directory, whose lines are then copied in as node
 * FIXTURE_NODE's chains, exactly as `vigil migrate` copies a home's days — so the same
 * lines, hashes and genesis are under test on both.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { migratePg } from '../../src/store/pg/index.js';
import { homeStoreUrl, pgLogLines } from './backend.js';

/** The node a fixture's chains are written under on PostgreSQL. */
export const FIXTURE_NODE = 'fixture-node';

/** How `vigil log verify` names a day's chain: its file on SQLite, node/day on PostgreSQL. */
export function chainName(home: string, day: string): string {
  return homeStoreUrl(home) ? `${FIXTURE_NODE}/${day}` : `${day}.jsonl`;
}

/**
 * `write(dir)` appends with DailyLog into `dir`; the days it wrote become the home's log.
 * On PostgreSQL the database is migrated first (no node need have started).
 */
export async function seedLog(home: string, write: (dir: string) => void): Promise<void> {
  const url = homeStoreUrl(home);
  if (!url) {
    write(path.join(home, 'logs'));
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-log-seed-'));
  try {
    write(dir);
    const days = fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort();
    await withPool(url, async (pool) => {
      await migratePg(pool);
      for (const file of days) await insertChain(pool, file.slice(0, -'.jsonl'.length), readLines(path.join(dir, file)));
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The lines of `day`'s chain (the fixture node's on PostgreSQL), without their newlines. */
export async function dayLines(home: string, day: string): Promise<string[]> {
  const url = homeStoreUrl(home);
  if (!url) return readLines(path.join(home, 'logs', `${day}.jsonl`));
  return withPool(url, async (pool) =>
    (await pool.query<{ line: string }>('SELECT line FROM log_entries WHERE node = $1 AND day = $2 ORDER BY seq', [FIXTURE_NODE, day])).rows.map((r) =>
      r.line.replace(/\n$/, ''),
    ),
  );
}

/**
 * Replaces `day`'s chain with `lines`, as an attacker with write access would: the file
 * rewritten, or — on PostgreSQL — the rows deleted and inserted again with the append-only
 * triggers bypassed (`session_replication_role`, which a superuser can set), each row's
 * `seq` its position, so only the lines themselves can tell.
 */
export async function replaceDayLines(home: string, day: string, lines: readonly string[]): Promise<void> {
  const url = homeStoreUrl(home);
  if (!url) {
    fs.writeFileSync(path.join(home, 'logs', `${day}.jsonl`), lines.map((l) => `${l}\n`).join(''));
    return;
  }
  await withPool(url, async (pool) => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL session_replication_role = replica');
      await client.query('DELETE FROM log_entries WHERE node = $1 AND day = $2', [FIXTURE_NODE, day]);
      await insertChain(client, day, lines);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  });
}

/**
 * Changes `from` to `to` in the home's log as someone with write access would: in the
 * first daily file on SQLite; on PostgreSQL in every row of `log_entries` that holds it,
 * the append-only triggers bypassed (`session_replication_role`). What a node wrote is
 * edited in place, whichever node wrote it.
 */
export async function editLog(home: string, from: string, to: string): Promise<void> {
  const url = homeStoreUrl(home);
  if (!url) {
    const file = path.join(home, 'logs', fs.readdirSync(path.join(home, 'logs')).sort()[0]!);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(from, to));
    return;
  }
  await withPool(url, async (pool) => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL session_replication_role = replica');
      const { rowCount } = await client.query('UPDATE log_entries SET line = replace(line, $1, $2) WHERE strpos(line, $1) > 0', [from, to]);
      if (!rowCount) throw new Error(`no line of the log holds ${from}`);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  });
}

function readLines(file: string): string[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

/** Rows of FIXTURE_NODE's chain of `day` for `lines`, `seq` by position; ts, type and hash from the line where it still parses. */
export async function insertChain(db: pg.Pool | pg.PoolClient, day: string, lines: readonly string[]): Promise<void> {
  for (const [i, line] of lines.entries()) {
    let entry: { ts?: string; type?: string; hash?: string } = {};
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      // a torn or garbled line: its row still goes in, for verify to find
    }
    await db.query('INSERT INTO log_entries (node, day, seq, ts, type, line, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      FIXTURE_NODE,
      day,
      i + 1,
      entry.ts ?? new Date().toISOString(),
      entry.type ?? '',
      `${line}\n`,
      entry.hash ?? '',
    ]);
  }
}

async function withPool<T>(url: string, fn: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  try {
    return await fn(pool);
  } finally {
    await pool.end();
  }
}

/** Every line the home's log holds, as stored (the daily files' bytes, or every node's rows), joined: a haystack for what must never be written. */
export function logText(home: string): string {
  const url = homeStoreUrl(home);
  if (url) return pgLogLines(url).join('\n');
  const dir = path.join(home, 'logs');
  if (!fs.existsSync(dir)) return '';
  return fs.readdirSync(dir).sort().map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('');
}

/** How many bytes the home's log takes: its files, or its lines in `log_entries`. */
export function logBytes(home: string): number {
  const url = homeStoreUrl(home);
  if (url) return pgLogLines(url).reduce((n, line) => n + Buffer.byteLength(line, 'utf8') + 1, 0);
  const dir = path.join(home, 'logs');
  return fs.readdirSync(dir).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
}

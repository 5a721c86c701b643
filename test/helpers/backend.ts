/**
 * The suite's backend switch (issue 19): `VIGIL_TEST_STORE=postgres npm test` runs the
 * process-level tests against a team node — every home `makeHome` makes gets a fresh
 * database of its own on one throwaway cluster (started by test/global-setup.ts), and the
 * helpers that read what vigil wrote (`logEntries`, `query`) read it from that database
 * instead of the home's daily files and vigil.db. Unset (the default), SQLite as always.
 *
 * The readers are synchronous, like the SQLite ones they stand in for (tests poll them in
 * `waitFor`): test/helpers/pg-sync.ts runs them on a worker thread's connection.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sqlSync } from './pg-sync.js';

export type TestBackend = 'sqlite' | 'postgres';

/** Set by global-setup when the switch is on: the cluster's URL without a database name. */
export const PG_BASE_ENV = 'VIGIL_TEST_PG_BASE';

export function testBackend(): TestBackend {
  return process.env['VIGIL_TEST_STORE'] === 'postgres' ? 'postgres' : 'sqlite';
}

export const onPostgres = (): boolean => testBackend() === 'postgres';

let databases = 0;

function base(): string {
  const url = process.env[PG_BASE_ENV];
  if (!url) throw new Error(`VIGIL_TEST_STORE=postgres, but ${PG_BASE_ENV} is not set: test/global-setup.ts starts the cluster`);
  return url;
}

/** A fresh database for one home; its URL goes into the home's `store.url`. */
export function createHomeDatabase(): string {
  const name = `home_${process.pid}_${++databases}`;
  sqlSync(`${base()}postgres`, `CREATE DATABASE ${name}`);
  return `${base()}${name}`;
}

/** Each home's `store.url` as last read: a test that breaks config.json still reads the home's database. */
const storeUrls = new Map<string, string | undefined>();

/** The home's `store.url`, when it has one. */
export function homeStoreUrl(home: string): string | undefined {
  try {
    const config = JSON.parse(fs.readFileSync(path.join(home, 'config.json'), 'utf8')) as { store?: { url?: string } };
    storeUrls.set(home, config.store?.url);
    return config.store?.url;
  } catch {
    return storeUrls.get(home);
  }
}

/** Every line of every node's log, in time order (a database not yet migrated has none). */
export function pgLogLines(url: string): string[] {
  const [migrated] = sqlSync(url, `SELECT to_regclass('log_entries') IS NOT NULL`);
  if (migrated !== 't') return [];
  return sqlSync(url, 'SELECT line FROM log_entries ORDER BY ts, node, day, seq').filter((line): line is string => line !== null);
}

function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  return `'${String(value).replaceAll("'", "''")}'`;
}

/** Rows of a query on the home's database; `?` placeholders as in better-sqlite3. */
export function pgQuery<T>(url: string, sql: string, args: unknown[]): T[] {
  let i = 0;
  const bound = sql.replace(/\?/g, () => literal(args[i++]));
  const [rows] = sqlSync(url, `SELECT coalesce(json_agg(q), '[]') FROM (${bound}) q`);
  return JSON.parse(rows ?? '[]') as T[];
}

const said = new Set<string>();

/**
 * For `it.skipIf(sqliteOnly('…'))`: true on the PostgreSQL run, where it also says aloud
 * (once per reason) which test is left out and why. Reasons as in test/backends.ts.
 */
export function sqliteOnly(reason: string): boolean {
  if (!onPostgres()) return false;
  if (!said.has(reason)) {
    said.add(reason);
    console.warn(`*** not run on PostgreSQL: ${reason}`);
  }
  return true;
}

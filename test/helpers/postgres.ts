/**
 * A throwaway PostgreSQL cluster for tests (issue 19): `initdb` and `pg_ctl` into a fresh
 * temp folder, on a free port, its unix socket in that folder, fsync left on (the team
 * store's durability is what some tests are about). PostgreSQL refuses to run as root, so
 * under root the folder belongs to the `postgres` user and the binaries run through
 * `runuser -u postgres --`. One cluster per test file (`usePostgres`), a database per
 * file; stopped with `pg_ctl stop -m immediate` and removed afterwards, also when a test
 * fails or the worker exits early.
 *
 * Where the binaries are absent the tests that need them are skipped with a loud
 * console.warn naming what is missing — never silently. `.ci/run` installs Debian's
 * `postgresql` package, so on CI they always run.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach } from 'vitest';

const RUN_AS = 'postgres';

export interface PostgresAvailability {
  available: boolean;
  /** Where initdb, pg_ctl and postgres are (when available). */
  binDir?: string;
  /** What is missing (when not available). */
  missing?: string;
}

/** Debian keeps each major version in /usr/lib/postgresql/<major>/bin; the newest wins. */
function findBinDir(): string | undefined {
  const fromEnv = process.env['VIGIL_TEST_PG_BIN'];
  if (fromEnv) return fromEnv;
  const base = '/usr/lib/postgresql';
  if (fs.existsSync(base)) {
    const majors = fs.readdirSync(base).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a));
    for (const major of majors) {
      const bin = path.join(base, major, 'bin');
      if (fs.existsSync(path.join(bin, 'initdb'))) return bin;
    }
  }
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  return pgConfig.status === 0 ? pgConfig.stdout.trim() : undefined;
}

const isRoot = () => process.getuid?.() === 0;

/** Whether a cluster can be started here, and if not, what is missing (said once per file, loudly). */
export function postgresAvailability(): PostgresAvailability {
  const binDir = findBinDir();
  const needed = ['initdb', 'pg_ctl', 'postgres'];
  const absent = binDir ? needed.filter((b) => !fs.existsSync(path.join(binDir, b))) : needed;
  let missing: string | undefined;
  if (absent.length) {
    missing = `PostgreSQL server binaries (${absent.join(', ')}) not found in /usr/lib/postgresql/*/bin, VIGIL_TEST_PG_BIN or pg_config --bindir: install Debian's postgresql package`;
  } else if (isRoot() && spawnSync('id', ['-u', RUN_AS]).status !== 0) {
    missing = `running as root, and there is no "${RUN_AS}" user to run the cluster as (PostgreSQL refuses root)`;
  } else if (isRoot() && spawnSync('runuser', ['--help']).error) {
    missing = 'running as root, and runuser (util-linux) is not there to drop to the postgres user';
  }
  if (missing) {
    console.warn(`\n*** SKIPPING PostgreSQL tests: ${missing} ***\n`);
    return { available: false, missing };
  }
  return { available: true, binDir: binDir! };
}

export interface PgCluster {
  dir: string;
  port: number;
  /** The folder of its unix socket. */
  socketDir: string;
  /** A connection string for `database` over TCP on 127.0.0.1. */
  url(database: string): string;
  createDatabase(name: string): Promise<string>;
  /** SQL as the superuser, on `database` (`postgres` by default): for pg_terminate_backend, checks, clean-ups. */
  admin<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[], database?: string): Promise<pg.QueryResult<R>>;
  stop(): void;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function run(binDir: string, bin: string, args: string[]): { status: number | null; output: string } {
  const argv = isRoot() ? ['runuser', ['-u', RUN_AS, '--', path.join(binDir, bin), ...args]] as const : [path.join(binDir, bin), args] as const;
  const result = spawnSync(argv[0], [...argv[1]], { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}` };
}

const running = new Set<() => void>();
let exitHookInstalled = false;

/** A worker that exits without its afterAll still stops its clusters (an orphaned postgres would outlive the run). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const stop of [...running]) stop();
  });
}

/** Starts a fresh cluster; a start takes about a second. */
export async function startCluster(binDir: string): Promise<PgCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-pg-'));
  const data = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  if (isRoot()) {
    const owner = spawnSync('id', ['-u', RUN_AS], { encoding: 'utf8' });
    const group = spawnSync('id', ['-g', RUN_AS], { encoding: 'utf8' });
    fs.chownSync(dir, Number(owner.stdout.trim()), Number(group.stdout.trim()));
  }
  let started = false;
  const stop = () => {
    running.delete(stop);
    if (started) run(binDir, 'pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    started = false;
    fs.rmSync(dir, { recursive: true, force: true });
  };
  running.add(stop);
  installExitHook();
  try {
    // --no-sync skips only initdb's own flush of the fresh files (a second on a busy disk);
    // the running server keeps fsync on.
    const init = run(binDir, 'initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8']);
    if (init.status !== 0) throw new Error(`initdb failed: ${init.output}`);
    let port = 0;
    for (let attempt = 0; attempt < 3 && !started; attempt++) {
      port = await freePort();
      const options = [
        `-p ${port}`,
        `-k ${dir}`,
        '-c listen_addresses=127.0.0.1',
        '-c fsync=on',
        '-c synchronous_commit=on',
        // Small: two cores, several files at once.
        '-c shared_buffers=16MB',
        '-c max_connections=60',
      ].join(' ');
      const start = run(binDir, 'pg_ctl', ['-D', data, '-l', logFile, '-w', '-t', '30', '-o', options, 'start']);
      started = start.status === 0;
      if (!started && attempt === 2) throw new Error(`pg_ctl start failed: ${start.output}\n${readLog(logFile)}`);
    }
    const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(database)}`;
    const admin = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = [], database = 'postgres') => {
      const client = new pg.Client({ connectionString: url(database) });
      await client.connect();
      try {
        return await client.query<R>(sql, params);
      } finally {
        await client.end();
      }
    };
    return {
      dir,
      port,
      socketDir: dir,
      url,
      admin,
      async createDatabase(name: string) {
        if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a plain database name: ${name}`);
        await admin(`CREATE DATABASE ${name}`);
        return url(name);
      },
      stop,
    };
  } catch (err) {
    stop();
    throw err;
  }
}

function readLog(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').slice(-4000);
  } catch {
    return '';
  }
}

export interface UsedPostgres {
  readonly cluster: PgCluster;
  /** The connection string of this file's database. */
  readonly url: string;
  /** SQL as the superuser on this file's database. */
  sql<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
}

/**
 * One cluster for the calling test file and a database in it, started in beforeAll and
 * stopped in afterAll. Call it inside a `describe.runIf(PG.available)` block, with
 * `const PG = postgresAvailability()` at the top of the file.
 */
export function usePostgres(database: string): UsedPostgres {
  const state: UsedPostgres = {
    cluster: undefined as unknown as PgCluster,
    url: '',
    sql: (text, params) => state.cluster.admin(text, params, database),
  };
  beforeAll(async () => {
    const availability = postgresAvailability();
    if (!availability.available) throw new Error(`usePostgres outside describe.runIf(available): ${availability.missing}`);
    // Kept before the database is made, so that afterAll stops it even if that fails.
    Object.assign(state, { cluster: await startCluster(availability.binDir!) });
    Object.assign(state, { url: await state.cluster.createDatabase(database) });
  }, 60_000);
  afterAll(() => {
    state.cluster?.stop();
  });
  return state;
}

export interface FreshDatabase {
  /** This test's database: its connection string and name, set before each test. */
  url: string;
  name: string;
  /** SQL as the superuser on this test's database. */
  sql<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
}

/**
 * A database of its own for each test, on the file's cluster (`usePostgres`): the team's
 * log is append-only (TRUNCATE refused), so a test cannot empty the last one's. Call it
 * inside the `describe`, after `usePostgres`.
 */
export function useFreshDatabase(used: UsedPostgres, prefix: string): FreshDatabase {
  let databases = 0;
  const db: FreshDatabase = { url: '', name: '', sql: (text, params = []) => used.cluster.admin(text, params, db.name) };
  beforeEach(async () => {
    db.name = `${prefix}_${++databases}`;
    db.url = await used.cluster.createDatabase(db.name);
  });
  return db;
}

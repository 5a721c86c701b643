// A throwaway PostgreSQL cluster for benches (issue 19), as test/helpers/postgres.ts
// makes for tests: initdb and pg_ctl into a temp folder on a free port, fsync and
// synchronous_commit on (durability is part of what is measured), run as the `postgres`
// user under root (PostgreSQL refuses root). Stopped with `pg_ctl stop -m fast`.
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const RUN_AS = 'postgres';
const isRoot = () => process.getuid?.() === 0;

/** Debian's newest /usr/lib/postgresql/<major>/bin, VIGIL_TEST_PG_BIN, or pg_config's. */
export function postgresBinDir() {
  if (process.env.VIGIL_TEST_PG_BIN) return process.env.VIGIL_TEST_PG_BIN;
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    for (const major of readdirSync(base).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a))) {
      const bin = join(base, major, 'bin');
      if (existsSync(join(bin, 'initdb'))) return bin;
    }
  }
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  return pgConfig.status === 0 ? pgConfig.stdout.trim() : undefined;
}

function run(binDir, bin, args) {
  const [cmd, argv] = isRoot() ? ['runuser', ['-u', RUN_AS, '--', join(binDir, bin), ...args]] : [join(binDir, bin), args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ?? ''}` };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts a cluster; returns { url(db), port, dataDir, postmasterPid(), stop() }. */
export async function startPostgres() {
  const binDir = postgresBinDir();
  if (!binDir) throw new Error("PostgreSQL's server binaries are not installed (Debian: apt-get install postgresql)");
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-pg-'));
  const data = join(dir, 'data');
  if (isRoot()) {
    const uid = Number(spawnSync('id', ['-u', RUN_AS], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', RUN_AS], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, uid, gid);
  }
  let started = false;
  const stop = () => {
    if (started) run(binDir, 'pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    started = false;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const init = run(binDir, 'initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8']);
    if (init.status !== 0) throw new Error(`initdb failed: ${init.output}`);
    const port = await freePort();
    const options = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c fsync=on', '-c synchronous_commit=on', '-c max_connections=100'].join(' ');
    const start = run(binDir, 'pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '30', '-o', options, 'start']);
    if (start.status !== 0) throw new Error(`pg_ctl start failed: ${start.output}`);
    started = true;
    return {
      port,
      dataDir: data,
      url: (db) => `postgres://postgres@127.0.0.1:${port}/${db}`,
      postmasterPid: () => Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]),
      stop,
    };
  } catch (err) {
    stop();
    throw err;
  }
}

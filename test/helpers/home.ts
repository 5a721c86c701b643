import Database from 'better-sqlite3';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHomeDatabase, homeStoreUrl, onPostgres, pgLogLines, pgQuery } from './backend.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'dist/cli/main.js');

const homes: string[] = [];

/** Once a year (1 January, 00:00): in effect never during a test run. */
export const QUIET_SCHEDULE = '0 0 1 1 *';

/** A fresh, initialised VIGIL_HOME in a temp dir; `config` is merged over the default file. */
export function makeHome(config: Record<string, unknown> = {}): string {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-test-'));
  homes.push(home);
  const init = runCli(home, ['init']);
  if (init.status !== 0) throw new Error(`vigil init failed: ${init.stderr}`);
  // The default schedule (every quarter hour) would now and then tick in the middle of a
  // test and add a decision it did not ask for; tests that want the schedule set `tick`.
  writeConfig(home, { tick: { schedule: QUIET_SCHEDULE }, ...config });
  // Coalescing (github.coalesceSeconds, default 20) would hold every delivery a test sends
  // for 20 s; tests that are about it set the key themselves.
  const written = JSON.parse(fs.readFileSync(path.join(home, 'config.json'), 'utf8')) as { github?: Record<string, unknown> };
  writeConfig(home, { github: { coalesceSeconds: 0, ...written.github } });
  // The backend switch (test/helpers/backend.ts): the home is a team node's, on a database of its own.
  if (onPostgres()) writeConfig(home, { store: { ...(written as { store?: object }).store, url: createHomeDatabase() } });
  return home;
}

export function writeConfig(home: string, config: Record<string, unknown>): void {
  const file = path.join(home, 'config.json');
  const current = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(file, JSON.stringify({ ...current, ...config }, null, 2));
}

export function removeHomes(): void {
  for (const home of homes.splice(0)) fs.rmSync(home, { recursive: true, force: true });
}

/** Names that steer vigil or hold a credential: never taken from the test's own environment. */
const NOT_PASSED = /^(GITHUB_|GH_|ANTHROPIC_|OPENAI_|VIGIL_|SMEE_)/;

/**
 * The environment of a vigil process under test: the test's own without anything that
 * steers vigil or is a credential, then the home, port 0 and `extra` (an undefined value
 * leaves a name out). A developer's GITHUB_TOKEN, VIGIL_HOST, ANTHROPIC_BASE_URL or
 * VIGIL_FAILPOINTS would otherwise reach a real API, move the daemon or break it on purpose.
 * The GitHub a test gives a process is the fake, which has no rate rule: Octokit's spacing
 * of writes (1 s, 3 s between comments) is off (VIGIL_GITHUB_THROTTLE; undefined in
 * `extra` keeps it).
 */
export function cliEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!NOT_PASSED.test(key)) env[key] = value;
  env.VIGIL_HOME = home;
  env.VIGIL_PORT = '0';
  env.VIGIL_GITHUB_THROTTLE = 'off';
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export function runCli(home: string, args: string[], extra: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [BIN, ...args], { env: cliEnv(home, extra), encoding: 'utf8', timeout: 20_000 });
}

/**
 * `vigil …` as a real process without blocking this one: a test whose fakes answer from
 * this process (a fake model, a fake GitHub) must not wait in spawnSync.
 */
export function runCliAsync(home: string, args: string[], extra: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, [BIN, ...args], { env: cliEnv(home, extra), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => proc.once('exit', (status) => resolve({ status, stdout, stderr })));
}

export interface RunningDaemon {
  proc: ChildProcess;
  pid: number;
  url: string;
  output: () => string;
  /** Resolves with the exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `vigil start [args]` as a real process; resolves once it has published its address. */
export async function startDaemon(home: string, extra: NodeJS.ProcessEnv = {}, timeoutMs = 10_000, args: readonly string[] = []): Promise<RunningDaemon> {
  const infoFile = path.join(home, 'daemon.json');
  fs.rmSync(infoFile, { force: true });
  const proc = spawn(process.execPath, [BIN, 'start', ...args], { env: cliEnv(home, extra), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`vigil start exited: ${out}`);
    try {
      const info = JSON.parse(fs.readFileSync(infoFile, 'utf8')) as { pid: number; url: string };
      if (info.pid === proc.pid) return { proc, pid: info.pid, url: info.url, output: () => out, exited };
    } catch {
      // not written yet
    }
    await sleep(20);
  }
  proc.kill('SIGKILL');
  throw new Error(`vigil start did not publish its address in ${timeoutMs} ms: ${out}`);
}

/** afterEach: SIGKILL every daemon a test left running, wait for each to be gone, forget them. */
export async function killDaemons(daemons: RunningDaemon[]): Promise<void> {
  const all = daemons.splice(0);
  for (const d of all) if (d.proc.exitCode === null && d.proc.signalCode === null) d.proc.kill('SIGKILL');
  await Promise.all(all.map((d) => d.exited));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitFor<T>(probe: () => T | undefined | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

export interface Entry {
  type: string;
  pid: number;
  [field: string]: unknown;
}

/** Every entry of every daily log in the home, in order. */
export function logEntries(home: string): Entry[] {
  const storeUrl = homeStoreUrl(home);
  if (storeUrl) return pgLogLines(storeUrl).flatMap(parseLine);
  const dir = path.join(home, 'logs');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .flatMap((f) =>
      fs
        .readFileSync(path.join(dir, f), 'utf8')
        .split('\n')
        .filter(Boolean),
    )
    .flatMap(parseLine);
}

function parseLine(line: string): Entry[] {
  try {
    return [JSON.parse(line) as Entry];
  } catch {
    return [];
  }
}

/** Rows of a read-only query on the home's vigil.db (another connection: the daemon may be running). */
export function query<T>(home: string, sql: string, ...args: unknown[]): T[] {
  const storeUrl = homeStoreUrl(home);
  if (storeUrl) return pgQuery<T>(storeUrl, sql, args);
  const db = new Database(path.join(home, 'vigil.db'), { readonly: true });
  try {
    return db.prepare(sql).all(...args) as T[];
  } finally {
    db.close();
  }
}

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readDreamLock } from '../../src/dream/lock.js';
import { onPostgres, sqliteOnly } from '../helpers/backend.js';
import { dreamingPid } from '../helpers/dreaming.js';
import { logRefPattern } from '../helpers/log-refs.js';
import { BIN, cliEnv, logEntries, makeHome, removeHomes, runCli, startDaemon, waitFor, type RunningDaemon } from '../helpers/home.js';
import { snapshotDir } from '../memory/helpers.js';
import { copyHome, fillHome, homeIn, memoryFiles, monthEndingYesterday, type Home } from './fixture.js';
import { makeRepo, REPO } from './synthetic.js';

let repo: string;
let base: Home;
let oldFiles: Record<string, string>;
let newFiles: Record<string, string>;
const scratch: string[] = [];

/** `vigil dream --now` as a real process, its output collected. */
function dreamProcess(home: string, env: NodeJS.ProcessEnv = {}) {
  const proc = spawn(process.execPath, [BIN, 'dream', '--now'], { env: cliEnv(home, env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  return { proc, exited, output: () => out };
}

function tempHome(): Home {
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'vigil-dream-proc-'));
  scratch.push(dir);
  return copyHome(base, path.join(dir, 'home'));
}

function anyTempFile(dir: string): boolean {
  return Object.keys(snapshotDir(dir)).some((rel) => /(^|\/)\.[^/]+\.\d+-[0-9a-f]+\.tmp$/.test(rel));
}

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'vigil-dream-proc-base-'));
  scratch.push(dir);
  repo = makeRepo(dir);
  const start = monthEndingYesterday();
  base = homeIn(makeHome({ repos: [{ name: REPO, path: repo }] }));
  await fillHome(base, 1, 20, 12, start);
  expect(runCli(base.dir, ['dream', '--now']).status).toBe(0);
  await fillHome(base, 21, 30, 12, start);
  oldFiles = memoryFiles(base);
  const clean = tempHome();
  const run = runCli(clean.dir, ['dream', '--now']);
  expect(run.status, run.stderr).toBe(0);
  newFiles = memoryFiles(clean);
  expect(Object.keys(newFiles).filter((k) => newFiles[k] !== oldFiles[k]).length).toBeGreaterThanOrEqual(2);
  return () => {
    for (const d of scratch) fs.rmSync(d, { recursive: true, force: true });
    removeHomes();
  };
  // Two month-halves written and two dreams run as processes (on PostgreSQL, the rows inserted one by one).
}, 60_000);

const running: ChildProcess[] = [];
const daemons: RunningDaemon[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  for (const d of daemons.splice(0)) {
    if (d.proc.exitCode === null && d.proc.signalCode === null) d.proc.kill('SIGTERM');
    await d.exited;
  }
});

describe('kill -9 during a dream', () => {
  const points: [string, (home: Home, output: () => string) => boolean][] = [
    ['dream.delay', (home) => readDreamLock(path.join(home.dir, 'dream.lock')) !== undefined],
    ['memory.before_rename', (home, out) => out().includes('dream: writing topics') && anyTempFile(home.memory)],
    ['dream.topic_written', (_home, out) => out().includes('dream: wrote topics/')],
    ['dream.before_index', (_home, out) => out().includes('dream: writing the index')],
    ['dream.before_commit', (_home, out) => out().includes('dream: commit')],
  ];

  const fileLevel = 'about the home\'s memory folder and dream.lock: a dream killed between its files\' temp writes and renames; a team\'s dream writes its files in one transaction, killed inside it in test/store/pg/team-dream.test.ts';
  it.skipIf(sqliteOnly(fileLevel)).each(points)('at %s: every memory file wholly old or wholly new; the next dream recovers the lock and converges', async (point, reached) => {
    const home = tempHome();
    const dream = dreamProcess(home.dir, { VIGIL_FAILPOINTS: `${point}=20000` });
    running.push(dream.proc);
    await waitFor(() => reached(home, dream.output), 15_000, `the dream to reach ${point}`);
    dream.proc.kill('SIGKILL');
    expect((await dream.exited).signal).toBe('SIGKILL');
    const files = memoryFiles(home);
    for (const rel of new Set([...Object.keys(oldFiles), ...Object.keys(newFiles), ...Object.keys(files)])) {
      expect([oldFiles[rel], newFiles[rel]], `${rel} after kill -9 at ${point}`).toContain(files[rel]);
    }
    if (point === 'dream.before_commit') expect(files).toEqual(newFiles);
    // The dead dreamer's lock is still there…
    expect(readDreamLock(path.join(home.dir, 'dream.lock'))?.pid).toBe(dream.proc.pid);
    // …and the next dream takes it over, finishes, and leaves memory as one clean dream would.
    const next = runCli(home.dir, ['dream', '--now']);
    expect(next.status, next.stderr).toBe(0);
    expect(memoryFiles(home)).toEqual(newFiles);
    expect(fs.existsSync(path.join(home.dir, 'dream.lock'))).toBe(false);
    expect(anyTempFile(home.memory)).toBe(false);
  });
});

describe('one dream at a time', () => {
  it('two `vigil dream --now` at once: one runs, the other says a dream is in progress and exits non-zero', async () => {
    const home = tempHome();
    const first = dreamProcess(home.dir, { VIGIL_FAILPOINTS: 'dream.delay=2500' });
    running.push(first.proc);
    await waitFor(() => dreamingPid(home.dir) === first.proc.pid, 10_000, 'the first dream to lock');
    const second = runCli(home.dir, ['dream', '--now']);
    expect(second.status).toBe(75);
    expect(second.stderr).toMatch(new RegExp(`a dream is already in progress: pid ${first.proc.pid} has been dreaming since .* \\[VIGIL_ERR_DREAM_BUSY\\]`));
    expect((await first.exited).code).toBe(0);
    expect(first.output()).toMatch(/dream \w+ finished: \d+ added/);
    expect(memoryFiles(home)).toEqual(newFiles);
  });

  it('through a running daemon: the dream runs in its child, the log shows it, and a second request is refused', async () => {
    const home = tempHome();
    const daemon = await startDaemon(home.dir, { VIGIL_FAILPOINTS: 'dream.delay=2500' });
    daemons.push(daemon);
    const first = dreamProcess(home.dir);
    running.push(first.proc);
    await waitFor(() => first.output().includes('started in the daemon'), 10_000, 'the daemon to start the dream');
    const second = runCli(home.dir, ['dream', '--now']);
    expect(second.status).toBe(75);
    expect(second.stderr).toMatch(/a dream is already in progress.*\[VIGIL_ERR_DREAM_BUSY\]/);
    expect((await first.exited).code).toBe(0);
    expect(first.output()).toMatch(/dream (\w+) finished: \d+ added, \d+ updated, \d+ removed, \d+ stale/);
    expect(memoryFiles(home)).toEqual(newFiles);
    const entries = logEntries(home.dir);
    const started = entries.filter((e) => e.type === 'dream.started' && e.trigger === 'manual');
    const finished = entries.filter((e) => e.type === 'dream.finished');
    // The base home's CLI dream was logged when this daemon started (its outbox); this one after it.
    const mine = finished.find((e) => e.dreamId === started[started.length - 1]!.dreamId)!;
    // A single daemon dreams in a child process; a node in its own (src/daemon/team-dreamer.ts).
    if (onPostgres()) expect(mine.pid).toBe(daemon.pid);
    else expect(mine.pid).not.toBe(daemon.pid);
    expect(mine).toMatchObject({ consolidator: 'rules', updated: 1 });
    // Its digest went out as a notify action the worker ran.
    await waitFor(() => logEntries(home.dir).find((e) => e.type === 'action.succeeded' && e.action === 'notify'), 15_000, 'the digest');
    daemon.proc.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
    expect(runCli(home.dir, ['log', 'verify']).status).toBe(0);
  });
});

describe('vigil memory', () => {
  it('search finds log entries and event payloads with date and snippet, with or without a daemon', async () => {
    const home = tempHome();
    const offline = runCli(home.dir, ['memory', 'search', 'legacy config loader']);
    expect(offline.status, offline.stderr).toBe(0);
    expect(offline.stdout).toMatch(new RegExp(`^\\d{4}-\\d{2}-\\d{2} {2}${logRefPattern(home.dir)} +decision\\.made +.*\\[legacy\\] \\[config\\] \\[loader\\]`, 'm'));
    const daemon = await startDaemon(home.dir);
    daemons.push(daemon);
    const json = runCli(home.dir, ['memory', 'search', '--json', 'trunk']);
    expect(json.status, json.stderr).toBe(0);
    const hits = JSON.parse(json.stdout) as { ref: string; date: string; snippet: string }[];
    expect(hits.length).toBeGreaterThan(0);
    expect(hits[0]!.snippet).toMatch(/\[trunk\]/);
    expect(runCli(home.dir, ['memory', 'search', '--', '--']).status).toBe(2);
  });

  it('show, history and restore', () => {
    const home = tempHome();
    expect(runCli(home.dir, ['memory']).stdout).toContain('[octo/app](topics/octo-app.md)');
    expect(runCli(home.dir, ['memory', 'show', 'octo/app']).stdout).toContain('# octo/app');
    expect(runCli(home.dir, ['dream', '--now']).status).toBe(0);
    expect(memoryFiles(home)['topics/octo-app.md']).toBe(newFiles['topics/octo-app.md']);
    const list = runCli(home.dir, ['memory', 'history', 'topics/octo-app.md']);
    const version = /^(\d{8}T\d{9}Z)/m.exec(list.stdout)![1]!;
    const restored = runCli(home.dir, ['memory', 'history', 'topics/octo-app.md', '--restore', version]);
    expect(restored.status, restored.stderr).toBe(0);
    expect(memoryFiles(home)['topics/octo-app.md']).toBe(oldFiles['topics/octo-app.md']);
    expect(runCli(home.dir, ['memory', 'history', 'topics/octo-app.md', '--restore', '20000101T000000000Z']).status).toBe(1);
    expect(runCli(home.dir, ['memory', 'history', '../secrets.json']).stderr).toMatch(/VIGIL_ERR_MEMORY_PATH/);
  });
});

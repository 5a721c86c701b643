import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { processStartToken } from '../../src/child/liveness.js';
import { sqliteOnly } from '../helpers/backend.js';
import { killDaemons, makeHome, removeHomes, runCli, startDaemon, type RunningDaemon } from '../helpers/home.js';

/**
 * Issue 12: a lock names its holder by pid and process start. After a power loss the
 * pid in a stale daemon.lock or dream.lock may belong to any live process; that must
 * not refuse a start. A live holder that is who the lock says still refuses.
 */
const daemons: RunningDaemon[] = [];
const sleepers: ChildProcess[] = [];
afterEach(async () => {
  for (const s of sleepers.splice(0)) s.kill('SIGKILL');
  await killDaemons(daemons);
  removeHomes();
});

/** A live process that is not vigil. */
function sleeper(): number {
  const proc = spawn('sleep', ['60'], { stdio: 'ignore' });
  sleepers.push(proc);
  return proc.pid!;
}

/** A start token of the same shape as the holder's own, but of an earlier start: the pid was reused since. */
function earlierStart(pid: number): string {
  const real = processStartToken(pid);
  if (!real) throw new Error('this platform gives no process start');
  return real.replace(/(\d+)$/, (ticks) => String(Math.max(0, Number(ticks) - 360_000)));
}

const supported = process.platform === 'linux';

describe.runIf(supported)('locks that survive pid reuse', () => {
  it('daemon.lock naming a live `sleep` with an earlier start does not block `vigil start`', async () => {
    const home = makeHome();
    const pid = sleeper();
    fs.writeFileSync(path.join(home, 'daemon.lock'), JSON.stringify({ pid, start: earlierStart(pid) }));
    const daemon = await startDaemon(home);
    daemons.push(daemon);
    expect(JSON.parse(fs.readFileSync(path.join(home, 'daemon.lock'), 'utf8')).pid).toBe(daemon.pid);
    expect((await fetch(`${daemon.url}/healthz`)).status).toBe(200);
  });

  it('a lock from before issue 12 (a bare pid) naming the test’s own process, written before it started, does not block it', async () => {
    const home = makeHome();
    const file = path.join(home, 'daemon.lock');
    fs.writeFileSync(file, String(process.pid));
    const hourAgo = new Date(Date.now() - 3_600_000);
    fs.utimesSync(file, hourAgo, hourAgo);
    const daemon = await startDaemon(home);
    daemons.push(daemon);
    expect((await fetch(`${daemon.url}/healthz`)).status).toBe(200);
  });

  it('a lock whose live holder is the process it names still refuses (exit 75), in both forms', () => {
    const home = makeHome();
    const file = path.join(home, 'daemon.lock');
    const pid = sleeper();
    fs.writeFileSync(file, JSON.stringify({ pid, start: processStartToken(pid) }));
    const current = runCli(home, ['start']);
    expect(current.status).toBe(75);
    expect(current.stderr).toContain('VIGIL_ERR_ALREADY_RUNNING');
    // A bare pid written after its process started: nothing says it is not vigil.
    fs.writeFileSync(file, String(pid));
    const legacy = runCli(home, ['start']);
    expect(legacy.status).toBe(75);
    expect(legacy.stderr).toContain(`pid ${pid}`);
  });

  it('a second `vigil start` on the home of a running daemon is refused', async () => {
    const home = makeHome();
    const daemon = await startDaemon(home);
    daemons.push(daemon);
    const second = runCli(home, ['start']);
    expect(second.status).toBe(75);
    expect(second.stderr).toContain(`pid ${daemon.pid}`);
  });

  it.skipIf(sqliteOnly('about the home\'s dream.lock file: on a team one dream at a time is the dreamer role in the database (test/store/pg/team-dream-now.test.ts)'))('dream.lock naming a live `sleep` with an earlier start does not block `vigil dream --now`', () => {
    const home = makeHome();
    const pid = sleeper();
    const lock = { pid, dreamId: 'd-reused', startedAt: Date.now() - 60_000, start: earlierStart(pid) };
    fs.writeFileSync(path.join(home, 'dream.lock'), JSON.stringify(lock));
    const dream = runCli(home, ['dream', '--now']);
    expect(dream.stderr).not.toContain('VIGIL_ERR_DREAM_BUSY');
    expect(dream.status, dream.stderr).toBe(0);
    // No daemon runs: the dream's log lines wait in the outbox; its report is on stdout.
    expect(dream.stdout).toMatch(/vigil is not running/);
    expect(fs.existsSync(path.join(home, 'dream.lock'))).toBe(false);
  });
});

import Database from 'better-sqlite3';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killDaemons, logEntries, makeHome, removeHomes, runCli, startDaemon, waitFor, type RunningDaemon } from '../helpers/home.js';
import { holdWriteLock } from './store-lock-holder.js';

/**
 * Issue 12: the daemon survives its store. Another process (a real one, with its own
 * SQLite connection) holds the write lock; the daemon's timers must neither crash nor
 * freeze the event loop, and must finish their work once the lock is gone.
 */
const daemons: RunningDaemon[] = [];
const lockers: ChildProcess[] = [];
afterEach(async () => {
  for (const l of lockers.splice(0)) if (l.exitCode === null) l.kill('SIGKILL');
  await killDaemons(daemons);
  removeHomes();
});

/** GET /healthz every 100 ms until `until` resolves; the slowest answer, and whether all were 200. */
async function pollHealth(url: string, until: Promise<unknown>): Promise<{ maxMs: number; polls: number; allOk: boolean }> {
  let done = false;
  void until.then(() => (done = true));
  let maxMs = 0;
  let polls = 0;
  let allOk = true;
  while (!done) {
    const t0 = performance.now();
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
    const ms = performance.now() - t0;
    maxMs = Math.max(maxMs, ms);
    polls++;
    if (res?.status !== 200) allOk = false;
    await new Promise((r) => setTimeout(r, Math.max(0, 100 - ms)));
  }
  return { maxMs, polls, allOk };
}

function state(home: string, id: string): string {
  const db = new Database(path.join(home, 'vigil.db'), { readonly: true });
  try {
    return (db.prepare('SELECT state FROM actions WHERE id = ?').get(id) as { state: string }).state;
  } finally {
    db.close();
  }
}

describe('the daemon survives its store', () => {
  it('another process holds the write lock for 10 s across an approval’s expiry: the daemon stays up, /healthz answers within 1 s, the approval expires once after', async () => {
    const home = makeHome({
      rules: [{ on: 'tick', propose: { action: 'memory.note', params: { text: 'asks, then expires' } } }],
      // 0.001 h = 3.6 s: the expiry falls inside the lock below.
      permissions: { mode: 'auto', approvalTtlHours: 0.001, rules: [{ action: 'memory.note', decision: 'ask' }] },
    });
    const daemon = await startDaemon(home);
    daemons.push(daemon);
    expect(runCli(home, ['tick']).status).toBe(0);
    const requested = await waitFor(() => logEntries(home).find((e) => e.type === 'approval.requested'), 10_000, 'approval.requested');
    const actionId = requested.actionId as string;
    const expiresAt = Date.parse(requested.expiresAt as string);

    const { released } = await holdWriteLock(path.join(home, 'vigil.db'), 10_000, lockers);
    const lockedAt = Date.now();
    expect(expiresAt, 'the approval expires while the lock is held').toBeGreaterThan(lockedAt);
    expect(expiresAt, 'the approval expires while the lock is held').toBeLessThan(lockedAt + 8000);
    const health = await pollHealth(daemon.url, released);
    const releasedAt = await released;

    // The daemon never stopped, never froze, and could not expire anything meanwhile.
    expect(daemon.proc.exitCode).toBeNull();
    expect(health.allOk).toBe(true);
    expect(health.polls).toBeGreaterThan(50);
    expect(health.maxMs, `max /healthz latency ${health.maxMs.toFixed(0)} ms over ${health.polls} polls`).toBeLessThan(1000);
    console.log(`max /healthz latency during the 10 s lock: ${health.maxMs.toFixed(0)} ms over ${health.polls} polls`);
    const expiredWhileLocked = logEntries(home).filter((e) => e.type === 'approval.expired' && Date.parse(e.ts as string) < releasedAt);
    expect(expiredWhileLocked).toEqual([]);

    // Once the lock is gone the approval expires, exactly once.
    const expired = await waitFor(() => logEntries(home).find((e) => e.type === 'approval.expired' && e.actionId === actionId), 8000, 'approval.expired');
    expect(Date.parse(expired.ts as string)).toBeGreaterThanOrEqual(releasedAt - 50);
    expect(state(home, actionId)).toBe('expired');
    const entries = logEntries(home);
    expect(entries.filter((e) => e.type === 'approval.expired')).toHaveLength(1);
    // The failed rounds were said once, and so was the recovery — not once per retry.
    const unavailable = entries.filter((e) => e.type === 'store.unavailable' && e.task === 'approval expiry');
    expect(unavailable).toHaveLength(1);
    expect(unavailable[0]!.error).toMatch(/locked/);
    expect(entries.filter((e) => e.type === 'store.recovered' && e.task === 'approval expiry')).toHaveLength(1);
    expect(entries.some((e) => e.type === 'daemon.crashed')).toBe(false);

    const health2 = await fetch(`${daemon.url}/healthz`);
    expect(health2.status).toBe(200);
    daemon.proc.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
  }, 60_000);

  it('ticks every second while another process holds the write lock for 3 s: /healthz answers within 1 s, ticks go on after', async () => {
    const home = makeHome({ tick: { schedule: '* * * * * *' } });
    const daemon = await startDaemon(home);
    daemons.push(daemon);
    await waitFor(() => logEntries(home).find((e) => e.type === 'tick.skipped'), 10_000, 'quiet ticks');
    const { released } = await holdWriteLock(path.join(home, 'vigil.db'), 3000, lockers);
    const health = await pollHealth(daemon.url, released);
    const releasedAt = await released;
    expect(health.allOk).toBe(true);
    expect(health.maxMs, `max /healthz latency ${health.maxMs.toFixed(0)} ms`).toBeLessThan(1000);
    // The tick that met the lock recorded itself once the lock was gone, and the schedule went on.
    await waitFor(() => {
      const db = new Database(path.join(home, 'vigil.db'), { readonly: true });
      try {
        const row = db.prepare("SELECT value FROM kv WHERE key = 'tick.last'").get() as { value: string } | undefined;
        return row && (JSON.parse(row.value) as { at: number }).at >= releasedAt - 1000;
      } finally {
        db.close();
      }
    }, 5000, 'tick.last after the lock');
    await waitFor(() => logEntries(home).find((e) => e.type === 'tick.skipped' && Date.parse(e.ts as string) > releasedAt + 1000), 5000, 'ticks after the lock');
    expect(daemon.proc.exitCode).toBeNull();
    expect(logEntries(home).some((e) => e.type === 'daemon.crashed')).toBe(false);
  }, 30_000);

  it('an error no timer can carry on from (the actions table gone under it) is logged and the daemon exits 70', async () => {
    const home = makeHome({
      rules: [{ on: 'tick', propose: { action: 'memory.note', params: { text: 'the table goes' } } }],
      permissions: { mode: 'auto', approvalTtlHours: 0.001, rules: [{ action: 'memory.note', decision: 'ask' }] },
    });
    const daemon = await startDaemon(home);
    daemons.push(daemon);
    expect(runCli(home, ['tick']).status).toBe(0);
    await waitFor(() => logEntries(home).find((e) => e.type === 'approval.requested'), 10_000, 'approval.requested');
    // Another process breaks the schema: the expiry timer's query fails with SQLITE_ERROR, not a lock.
    const db = new Database(path.join(home, 'vigil.db'));
    db.exec('ALTER TABLE actions RENAME TO actions_gone');
    db.close();

    const { code, signal } = await daemon.exited;
    expect(signal).toBeNull();
    expect(code).toBe(70);
    const crashed = logEntries(home).filter((e) => e.type === 'daemon.crashed');
    expect(crashed).toHaveLength(1);
    expect(crashed[0]!.exitCode).toBe(70);
    expect(crashed[0]!.error).toMatch(/no such table: actions/);
    expect(daemon.output()).toMatch(/"msg":"vigil crashed"/);
    // It withdrew its address and its lock: the service manager's restart is not refused.
    expect(fs.existsSync(path.join(home, 'daemon.json'))).toBe(false);
    expect(fs.existsSync(path.join(home, 'daemon.lock'))).toBe(false);
  }, 30_000);

  it('a decision whose commit meets another process’s lock waits it out: the daemon stays up and the event is decided once after', async () => {
    const home = makeHome({ rules: [{ on: 'tick', propose: { action: 'memory.note', params: { text: 'decided after the lock' } } }] });
    // The decision holds 1.5 s between its claim and its commit: the lock is taken in that window.
    const daemon = await startDaemon(home, { VIGIL_FAILPOINTS: 'decide.delay=1500' });
    daemons.push(daemon);
    expect(runCli(home, ['tick']).status).toBe(0);
    await waitFor(() => logEntries(home).find((e) => e.type === 'event.received' && e.kind === 'tick'), 5000, 'the tick');
    const { released } = await holdWriteLock(path.join(home, 'vigil.db'), 4000, lockers);
    const health = await pollHealth(daemon.url, released);
    await released;
    expect(health.allOk).toBe(true);
    expect(daemon.proc.exitCode).toBeNull();

    const made = await waitFor(() => logEntries(home).find((e) => e.type === 'decision.made'), 15_000, 'decision.made after the lock');
    expect(made.kind).toBe('tick');
    const entries = logEntries(home);
    expect(entries.filter((e) => e.type === 'store.unavailable' && e.task === 'decide')).toHaveLength(1);
    expect(entries.some((e) => e.type === 'daemon.crashed')).toBe(false);
    await new Promise((r) => setTimeout(r, 2000));
    expect(logEntries(home).filter((e) => e.type === 'decision.made')).toHaveLength(1);
    daemon.proc.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
  }, 45_000);
});

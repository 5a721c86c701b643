import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isTransientStoreError, Store, withStoreRetry } from '../../src/store/index.js';
import { isStoreBusy } from '../../src/store/retry.js';
import { holdWriteLock } from './store-lock-holder.js';

/**
 * The retry primitive the daemon's timers use, and webhook intake may (issue 12): a
 * short busy timeout inside SQLite, the real waiting between attempts on the loop.
 */
const lockers: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const l of lockers.splice(0)) if (l.exitCode === null) l.kill('SIGKILL');
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function openStore(busyTimeoutMs: number): { store: Store; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-retry-'));
  dirs.push(dir);
  const file = path.join(dir, 'vigil.db');
  return { store: Store.open(file, { busyTimeoutMs }), file };
}

/** The longest the event loop went without running a 10 ms interval, until `stop`. */
function loopGaps(): { stop: () => number } {
  let last = performance.now();
  let max = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    max = Math.max(max, now - last);
    last = now;
  }, 10);
  return { stop: () => (clearInterval(timer), max) };
}

describe('withStoreRetry', () => {
  it('waits out another process’s 1.5 s write lock without holding the event loop longer than one busy timeout', async () => {
    const { store, file } = openStore(100);
    const { released } = await holdWriteLock(file, 1500, lockers);
    const gaps = loopGaps();
    const retries: number[] = [];
    await withStoreRetry(() => store.kv.set('notify.desktop.unavailable', 'after the lock'), { deadlineMs: 10_000, onRetry: (_e, n) => retries.push(n) });
    const maxGap = gaps.stop();
    expect(Date.now()).toBeGreaterThanOrEqual((await released) - 5);
    expect(store.kv.get('notify.desktop.unavailable')).toBe('after the lock');
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(retries).toEqual(retries.map((_, i) => i + 1));
    // One attempt blocks the loop ~100 ms (the busy timeout); the waits between are timers.
    expect(maxGap, `longest loop stall ${maxGap.toFixed(0)} ms`).toBeLessThan(400);
    store.close();
  }, 20_000);

  it('gives up at its deadline with the lock error, not before and not much after', async () => {
    const { store, file } = openStore(50);
    await holdWriteLock(file, 4000, lockers);
    const t0 = performance.now();
    const err = await withStoreRetry(() => store.kv.set('approvals.version', 1), { deadlineMs: 600 }).catch((e: unknown) => e);
    const took = performance.now() - t0;
    expect(isStoreBusy(err)).toBe(true);
    expect((err as { code: string }).code).toBe('SQLITE_BUSY');
    expect(took).toBeLessThan(1500);
    store.close();
  }, 20_000);

  it('rethrows at once what waiting cannot fix (a missing table)', async () => {
    const { store } = openStore(50);
    let attempts = 0;
    const err = await withStoreRetry(() => {
      attempts++;
      return store.db.prepare('SELECT * FROM no_such_table').all();
    }).catch((e: unknown) => e);
    expect(attempts).toBe(1);
    expect((err as Error).message).toMatch(/no such table/);
    expect(isTransientStoreError(err)).toBe(false);
    store.close();
  });

  it('calls the lock, a full disk and an I/O error transient; a schema error, corruption and plain errors not', () => {
    const coded = (code: string) => Object.assign(new Error(code), { code });
    for (const code of ['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_LOCKED', 'SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_IOERR_WRITE']) {
      expect(isTransientStoreError(coded(code)), code).toBe(true);
    }
    for (const code of ['SQLITE_ERROR', 'SQLITE_CORRUPT', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_READONLY', 'ENOENT']) {
      expect(isTransientStoreError(coded(code)), code).toBe(false);
    }
    expect(isTransientStoreError(new Error('database is locked'))).toBe(false);
    expect(isStoreBusy(coded('SQLITE_FULL'))).toBe(false);
  });
});

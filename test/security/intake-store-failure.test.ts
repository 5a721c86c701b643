import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/index.js';
import { killDaemons, logEntries, makeHome, removeHomes, sleep, startDaemon, waitFor, type RunningDaemon, query } from '../helpers/home.js';
import { postDelivery, webhookSecret } from '../helpers/webhooks.js';

// Issue 12: a busy or full store must answer 503 — never crash the daemon, never a 202
// for what is not durable — and lose nothing acknowledged. A delivery spooled but
// answered 5xx (its row failed to commit) is indexed later, at the latest at the next start.

const daemons: RunningDaemon[] = [];
const mounts: string[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  for (const dir of mounts.splice(0)) spawnSync('umount', ['-l', dir]);
  removeHomes();
});

const issue = (n: number, pad = 0) =>
  JSON.stringify({ action: 'opened', issue: { number: n, title: `n${n}`, body: 'x'.repeat(pad) }, repository: { full_name: 'octo/app' } });

const githubRows = (home: string) =>
  query<{ delivery_id: string }>(home, `SELECT delivery_id FROM inbox WHERE source = 'github' ORDER BY id`).map((r) => r.delivery_id);

/** Another process takes the store's write lock and holds it until `release()`. */
function holdWriteLock(home: string): { release: () => void } {
  const db = new Database(path.join(home, 'vigil.db'));
  db.exec('BEGIN IMMEDIATE');
  return {
    release: () => {
      db.exec('COMMIT');
      db.close();
    },
  };
}

async function timedHealth(url: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${url}/healthz`);
  expect(res.status).toBe(200);
  return performance.now() - t0;
}

describe('webhook intake when the store cannot take a delivery', () => {
  it('a busy store: 503, the daemon stays responsive; the delivery is indexed once the lock is gone', async () => {
    const home = makeHome();
    const secret = webhookSecret(home);
    const daemon = await startDaemon(home);
    daemons.push(daemon);
    const before = crypto.randomUUID();
    expect((await postDelivery(daemon.url, secret, issue(1), { event: 'issues', deliveryId: before })).status).toBe(202);
    // Decided first: the initiative meeting the lock is the store room's case, not intake's.
    await waitFor(() => logEntries(home).some((e) => e.type === 'decision.made'), 10_000, 'the first delivery decided');
    await sleep(800); // the initiative paces itself after a decision (≤ 250 ms), then finds the inbox empty

    const lock = holdWriteLock(home);
    const during = crypto.randomUUID();
    let answer;
    try {
      const pending = postDelivery(daemon.url, secret, issue(2), { event: 'issues', deliveryId: during });
      // The loop is not frozen while the commit waits for the lock.
      expect(await timedHealth(daemon.url)).toBeLessThan(1000);
      answer = await pending.catch((err: unknown) => {
        const crash = logEntries(home).find((e) => e.type === 'daemon.crashed');
        throw new Error(`no answer (${String(err)}); the daemon said: ${daemon.output().slice(-2000)} ${String(crash?.error)}`);
      });
    } finally {
      lock.release();
    }
    expect(answer.status).toBe(503);
    expect(answer.body.code).toBe('VIGIL_ERR_WEBHOOK_UNAVAILABLE');
    expect(daemon.proc.exitCode).toBeNull();

    // The next delivery commits the one answered 503 first (it is in the spool), then its own.
    const after = crypto.randomUUID();
    expect((await postDelivery(daemon.url, secret, issue(3), { event: 'issues', deliveryId: after })).status).toBe(202);
    expect(githubRows(home)).toEqual([before, during, after]);
    await waitFor(() => logEntries(home).filter((e) => e.type === 'event.received').length >= 3, 5000, 'three received');
    expect(logEntries(home).filter((e) => e.type === 'event.received' && e.deliveryId === during)).toHaveLength(1);
    // GitHub's redelivery of the 503'd one is a duplicate now.
    expect((await postDelivery(daemon.url, secret, issue(2), { event: 'issues', deliveryId: during })).status).toBe(200);
  }, 30_000);

  it('a delivery answered 503 whose body reached the spool is indexed at the next start', async () => {
    const home = makeHome();
    const secret = webhookSecret(home);
    const first = await startDaemon(home);
    daemons.push(first);
    // Taken once the daemon is done starting (a lock in its start-up is the store room's case).
    const warm = crypto.randomUUID();
    expect((await postDelivery(first.url, secret, JSON.stringify({ zen: 'warm' }), { event: 'ping', deliveryId: warm })).status).toBe(202);
    const lock = holdWriteLock(home);
    const id = crypto.randomUUID();
    try {
      const answer = await postDelivery(first.url, secret, issue(4), { event: 'issues', deliveryId: id });
      expect(answer.status).toBe(503);
      // Down before the store came back: only the spool knows of it.
      first.proc.kill('SIGKILL');
      await first.exited;
    } finally {
      lock.release();
    }
    expect(githubRows(home)).toEqual([warm]);
    const second = await startDaemon(home);
    daemons.push(second);
    expect(githubRows(home)).toEqual([warm, id]);
    expect(logEntries(home).filter((e) => e.type === 'event.received' && e.deliveryId === id)).toHaveLength(1);
  }, 30_000);

  it.skipIf(!canMountTmpfs())('a full disk under the spool: 503, the daemon stays up, and every delivery answered 2xx is there after a restart', async () => {
    const home = makeHome();
    const secret = webhookSecret(home);
    const spool = path.join(home, 'spool');
    fs.mkdirSync(spool, { recursive: true });
    mountTmpfs(spool, '1m');
    const daemon = await startDaemon(home);
    daemons.push(daemon);

    const acked = new Map<string, string>();
    let refused: { status: number; body: Record<string, unknown> } | undefined;
    for (let n = 0; n < 40 && !refused; n++) {
      const deliveryId = crypto.randomUUID();
      const body = issue(100 + n, 100_000);
      const res = await postDelivery(daemon.url, secret, body, { event: 'issues', deliveryId });
      if (res.status === 202) acked.set(deliveryId, body);
      else refused = res;
    }
    expect(acked.size).toBeGreaterThan(3);
    expect(refused?.status).toBe(503);
    expect(refused?.body.code).toBe('VIGIL_ERR_WEBHOOK_UNAVAILABLE');
    // Again, while the disk stays full: still 503, still up.
    expect((await postDelivery(daemon.url, secret, issue(999, 100_000), { event: 'issues', deliveryId: crypto.randomUUID() })).status).toBe(503);
    expect(await timedHealth(daemon.url)).toBeLessThan(1000);

    // Room again: deliveries are taken again.
    expect(spawnSync('mount', ['-o', 'remount,size=8m', spool]).status).toBe(0);
    const later = crypto.randomUUID();
    const laterBody = issue(1000, 100_000);
    expect((await postDelivery(daemon.url, secret, laterBody, { event: 'issues', deliveryId: later })).status).toBe(202);
    acked.set(later, laterBody);

    daemon.proc.kill('SIGKILL');
    await daemon.exited;
    const second = await startDaemon(home);
    daemons.push(second);
    second.proc.kill('SIGTERM');
    await second.exited;
    const store = Store.open(path.join(home, 'vigil.db'));
    try {
      for (const [deliveryId, body] of acked) expect(store.inbox.byDeliveryId(deliveryId)?.payload, deliveryId).toBe(body);
    } finally {
      store.close();
    }
  }, 60_000);
});

function canMountTmpfs(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-mount-probe-'));
  try {
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]).status !== 0) return false;
    spawnSync('umount', [dir]);
    return true;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function mountTmpfs(dir: string, size: string): void {
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir]);
  if (mounted.status !== 0) throw new Error(`mount: ${mounted.stderr.toString()}`);
  mounts.push(dir);
}

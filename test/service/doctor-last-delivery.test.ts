/**
 * `vigil doctor`'s "last delivery" is the one received last: by its arrival time, not
 * by the order its row was written.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store, withStoreReader } from '../../src/store/index.js';
import { BIN, cliEnv, killDaemons, logEntries, makeHome, removeHomes, startDaemon, waitFor, type RunningDaemon } from '../helpers/home.js';
import { postDelivery, webhookSecret } from '../helpers/webhooks.js';
import { removeTempDirs, tempDir } from './helpers.js';

const daemons: RunningDaemon[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  removeHomes();
  removeTempDirs();
});

describe('vigil doctor: the last delivery', () => {
  it('is the one received last, whatever order the rows were written in', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-last-delivery-'));
    const file = path.join(dir, 'vigil.db');
    const store = Store.open(file);
    try {
      // A row written late for a delivery received early (a batch carried to the next commit, an index at start).
      store.inbox.add({ source: 'github', kind: 'issues.opened', deliveryId: 'received-second', payload: '{}', receivedAt: 2_000 });
      store.inbox.add({ source: 'github', kind: 'push', deliveryId: 'received-first', payload: '{}', receivedAt: 1_000 });
      store.inbox.add({ source: 'tick', kind: 'tick', payload: '{}', receivedAt: 3_000 });
    } finally {
      store.close();
    }
    try {
      expect(withStoreReader(file, (reader) => reader.lastDelivery())).toEqual({ kind: 'issues.opened', id: 'received-second', at: 2_000 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('two deliveries in a row: doctor names the second', async () => {
    const home = makeHome();
    const daemon = await startDaemon(home);
    daemons.push(daemon);
    const secret = webhookSecret(home);
    const body = (n: number) => JSON.stringify({ zen: `zen ${n}`, hook_id: 1 });
    // Ids whose order as text is the reverse of their arrival.
    expect((await postDelivery(daemon.url, secret, body(1), { event: 'ping', deliveryId: 'ffffffff-0001' })).status).toBe(202);
    await waitFor(() => logEntries(home).filter((e) => e.type === 'event.received').length === 1, 10_000, 'the first delivery');
    expect((await postDelivery(daemon.url, secret, body(2), { event: 'ping', deliveryId: '00000000-0002' })).status).toBe(202);
    await waitFor(() => logEntries(home).filter((e) => e.type === 'event.received').length === 2, 10_000, 'the second delivery');

    const machine = tempDir('vigil-machine-');
    const env = cliEnv(home, { HOME: machine, XDG_CONFIG_HOME: path.join(machine, '.config') });
    const res = spawnSync(process.execPath, [BIN, 'doctor'], { env, encoding: 'utf8', timeout: 30_000 });
    const line = res.stdout.split('\n').find((l) => / webhooks /.test(l)) ?? '';
    expect(line, res.stdout).toMatch(/last delivery .*\(github\.ping, 00000000-0002\)/);
  }, 60_000);
});

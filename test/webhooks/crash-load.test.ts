import Database from 'better-sqlite3';
import crypto from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { logEntries, makeHome, removeHomes, runCli, sleep, waitFor, startDaemon, type RunningDaemon } from '../helpers/home.js';
import { sign, webhookSecret } from '../helpers/webhooks.js';

afterEach(() => removeHomes());

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('webhook durability under kill -9', () => {
  it('every delivery answered 2xx survives 10 kills of the daemon during sustained load, none stored twice', async () => {
    const home = makeHome();
    const secret = webhookSecret(home);
    const port = await freePort();
    const env = { VIGIL_PORT: String(port) };
    const url = `http://127.0.0.1:${port}/webhooks/github`;
    const acked = new Set<string>();
    let sent = 0;
    let stop = false;

    // Senders retry a delivery id until it is acknowledged, as GitHub's redelivery would.
    const sender = async (n: number) => {
      while (!stop) {
        const deliveryId = `${n}-${crypto.randomUUID()}`;
        const body = JSON.stringify({ action: 'opened', issue: { number: sent, title: 'load' }, repository: { full_name: 'octo/app' } });
        sent++;
        try {
          const res = await fetch(url, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'x-github-event': 'issues',
              'x-github-delivery': deliveryId,
              'x-hub-signature-256': sign(secret, body),
            },
            body,
            signal: AbortSignal.timeout(2000),
          });
          if (res.status === 202 || res.status === 200) acked.add(deliveryId);
          await res.arrayBuffer();
        } catch {
          await sleep(20); // the daemon is down: a refused or cut connection is not an acknowledgement
        }
      }
    };

    let daemon: RunningDaemon = await startDaemon(home, env);
    const senders = Array.from({ length: 8 }, (_, i) => sender(i));
    try {
      for (let kill = 0; kill < 10; kill++) {
        // Kill only while deliveries are flowing: some acknowledged since this start, then a random moment.
        const before = acked.size;
        await waitFor(() => acked.size >= before + 5, 10_000, 'deliveries after a restart');
        await sleep(Math.random() * 250);
        daemon.proc.kill('SIGKILL');
        await daemon.exited;
        daemon = await startDaemon(home, env);
      }
      await sleep(300);
    } finally {
      stop = true;
      await Promise.all(senders);
      daemon.proc.kill('SIGTERM');
      await daemon.exited;
    }

    expect(acked.size).toBeGreaterThanOrEqual(50);
    const db = new Database(path.join(home, 'vigil.db'), { readonly: true });
    const rows = db.prepare(`SELECT delivery_id AS id, count(*) AS n FROM inbox WHERE source = 'github' GROUP BY delivery_id`).all() as {
      id: string;
      n: number;
    }[];
    db.close();
    const stored = new Map(rows.map((r) => [r.id, r.n]));
    const missing = [...acked].filter((id) => !stored.has(id));
    expect(missing).toEqual([]);
    expect(rows.every((r) => r.n === 1)).toBe(true);

    // The log tells the same story: each stored delivery received once, never twice.
    const logged = new Map<string, number>();
    for (const e of logEntries(home)) {
      if (e.type === 'event.received' && typeof e.deliveryId === 'string') logged.set(e.deliveryId, (logged.get(e.deliveryId) ?? 0) + 1);
    }
    for (const id of stored.keys()) expect(logged.get(id), id).toBe(1);
    // Ten crashes may tear a last line; the chain still verifies past it.
    const verify = runCli(home, ['log', 'verify']);
    expect(verify.status, verify.stdout).toBe(0);
  }, 90_000);
});

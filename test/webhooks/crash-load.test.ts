import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { logEntries, makeHome, removeHomes, runCli, sleep, waitFor, startDaemon, type RunningDaemon } from '../helpers/home.js';
import { githubDeliveries } from '../helpers/store-rows.js';
import { sign, webhookSecret } from '../helpers/webhooks.js';

afterEach(() => removeHomes());

describe('webhook durability under kill -9', () => {
  it('every delivery answered 2xx survives 10 kills of the daemon during sustained load, none stored twice', async () => {
    const home = makeHome();
    const secret = webhookSecret(home);
    // Each start binds port 0 and reports its address: no port picked here and raced for.
    let url = '';
    const acked = new Set<string>();
    /** Delivery ids sent again after an attempt that got no answer. */
    const resent = new Set<string>();
    let stop = false;

    // Senders send the same delivery id, with the same body, until it is acknowledged, as
    // GitHub's redelivery does: an attempt the kill cut off may have been stored already.
    const sender = async () => {
      for (let seq = 0; !stop; seq++) {
        const deliveryId = crypto.randomUUID();
        const body = JSON.stringify({ action: 'opened', issue: { number: seq, title: deliveryId }, repository: { full_name: 'octo/app' } });
        for (let attempt = 0; !stop && !acked.has(deliveryId); attempt++) {
          if (attempt > 0) resent.add(deliveryId);
          await post(deliveryId, body);
        }
      }
    };
    const post = async (deliveryId: string, body: string) => {
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
        if (!acked.has(deliveryId)) await sleep(20);
      } catch {
        await sleep(20); // the daemon is down: a refused or cut connection is not an acknowledgement
      }
    };
    const start = async () => {
      const started = await startDaemon(home);
      url = `${started.url}/webhooks/github`;
      return started;
    };

    let daemon: RunningDaemon = await start();
    const senders = Array.from({ length: 8 }, () => sender());
    try {
      for (let kill = 0; kill < 10; kill++) {
        // Kill only while deliveries are flowing: some acknowledged since this start, then a random moment.
        const before = acked.size;
        await waitFor(() => acked.size >= before + 5, 10_000, 'deliveries after a restart');
        await sleep(Math.random() * 250);
        daemon.proc.kill('SIGKILL');
        await daemon.exited;
        daemon = await start();
      }
      await sleep(300);
    } finally {
      stop = true;
      await Promise.all(senders);
      daemon.proc.kill('SIGTERM');
      await daemon.exited;
    }

    expect(acked.size).toBeGreaterThanOrEqual(50);
    // Redelivery was exercised: ids whose first attempts the kills cut off were sent again.
    console.log(`crash-load: ${acked.size} acknowledged, ${resent.size} sent again after no answer`);
    expect(resent.size).toBeGreaterThan(0);
    // Every row holds the body of its own delivery (a delivery id is UNIQUE in the inbox,
    // so counting rows per id could not fail): the body stored for a row (in the spool record
    // it points to, or in the row on PostgreSQL) names it.
    const rows = githubDeliveries(home);
    const titles = rows.map((r) => (JSON.parse(r.body) as { issue: { title: string } }).issue.title);
    expect(titles).toEqual(rows.map((r) => r.id));
    const stored = new Set(rows.map((r) => r.id));
    const missing = [...acked].filter((id) => !stored.has(id));
    expect(missing).toEqual([]);

    // The log tells the same story: each stored delivery received once, never twice.
    const logged = new Map<string, number>();
    for (const e of logEntries(home)) {
      if (e.type === 'event.received' && typeof e.deliveryId === 'string') logged.set(e.deliveryId, (logged.get(e.deliveryId) ?? 0) + 1);
    }
    for (const id of stored) expect(logged.get(id), id).toBe(1);
    expect([...logged.keys()].filter((id) => !stored.has(id))).toEqual([]);
    // Ten crashes may tear a last line; the chain still verifies past it.
    const verify = runCli(home, ['log', 'verify']);
    expect(verify.status, verify.stdout).toBe(0);
  }, 150_000);
});

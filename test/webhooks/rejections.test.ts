import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { logEntries, makeHome, removeHomes, runCli, startDaemon } from '../helpers/home.js';
import { postDelivery, webhookSecret } from '../helpers/webhooks.js';

// Issue 20: a 401 left no trace, so a rotated or mistyped secret looked like a quiet day.

afterEach(() => removeHomes());

const statusOf = (home: string) => {
  const run = runCli(home, ['status', '--json']);
  // 69: no daemon runs; the report (from the store) is printed all the same.
  expect([0, 69], run.stderr).toContain(run.status);
  return JSON.parse(run.stdout) as { status: string; rejectedDeliveries: { lastHour: number; direct?: Record<string, number>; cause?: string } };
};

describe('refused deliveries are counted', () => {
  it('1,000 bad-signature requests: status shows 1,000, the log gains at most 2 lines a minute, doctor names the cause', async () => {
    const home = makeHome();
    const daemon = await startDaemon(home);
    const secret = webhookSecret(home);
    const body = JSON.stringify({ action: 'opened', issue: { number: 1, title: 'forged' }, repository: { full_name: 'octo/app' } });
    const wrong = 'sha256=' + crypto.createHmac('sha256', 'not the secret at all').update(body).digest('hex');
    const statuses: number[] = [];
    try {
      for (let batch = 0; batch < 50; batch++) {
        const sent = Array.from({ length: 20 }, () =>
          postDelivery(daemon.url, secret, body, { event: 'issues', deliveryId: crypto.randomUUID(), signature: wrong }),
        );
        statuses.push(...(await Promise.all(sent)).map((r) => r.status));
      }
      expect(statuses.filter((s) => s === 401)).toHaveLength(1000);

      // Through the running daemon: every one counted, up to this moment.
      const running = statusOf(home);
      expect(running.status).toBe('running');
      expect(running.rejectedDeliveries).toMatchObject({ lastHour: 1000, direct: { signature: 1000 } });
      expect(running.rejectedDeliveries.cause).toMatch(/secret mismatch/);
      // One line for the first, the rest wait for their minute.
      const lines = logEntries(home).filter((e) => e.type === 'webhook.rejected');
      expect(lines.length).toBeLessThanOrEqual(2);
      expect(lines[0]).toMatchObject({ reason: 'signature', via: 'direct', count: 1 });
      // A direct line repeats nothing the sender chose.
      expect(lines[0]).not.toHaveProperty('deliveries');
    } finally {
      daemon.proc.kill('SIGTERM');
      await daemon.exited;
    }

    // Stopping writes what waited; never more than one line per minute after the first.
    const lines = logEntries(home).filter((e) => e.type === 'webhook.rejected');
    expect(lines.length).toBeLessThanOrEqual(2);
    expect(lines.reduce((n, e) => n + Number(e.count), 0)).toBe(1000);
    // The store has them for another process: status without a daemon, and doctor.
    const stopped = statusOf(home);
    expect(stopped.status).toBe('stopped');
    expect(stopped.rejectedDeliveries).toMatchObject({ lastHour: 1000, direct: { signature: 1000 } });
    const doctor = runCli(home, ['doctor']);
    const line = doctor.stdout.split('\n').find((l) => l.includes('rejected'));
    expect(line, doctor.stdout).toMatch(/^warn\s+rejected\s+1000 deliveries refused in the last day \(1000 signature\); likely cause: secret mismatch/);
  }, 60_000);

  it('each kind of refusal is counted by its reason; accepted and busy deliveries are not', async () => {
    const home = makeHome();
    const daemon = await startDaemon(home);
    const secret = webhookSecret(home);
    const body = JSON.stringify({ action: 'opened', issue: { number: 2 } });
    try {
      const id = () => crypto.randomUUID();
      expect((await postDelivery(daemon.url, secret, body, { event: 'issues', deliveryId: id() })).status).toBe(202);
      expect((await postDelivery(daemon.url, secret, body, { event: 'issues', deliveryId: id(), signature: null })).status).toBe(401);
      expect((await postDelivery(daemon.url, secret, body, { deliveryId: id() })).status).toBe(400);
      expect((await postDelivery(daemon.url, secret, body, { event: 'issues', deliveryId: id(), contentType: 'text/plain' })).status).toBe(400);
      expect((await postDelivery(daemon.url, secret, '{not json', { event: 'issues', deliveryId: id() })).status).toBe(400);
      const running = statusOf(home);
      expect(running.rejectedDeliveries).toEqual({
        lastHour: 4,
        direct: { signature: 1, headers: 1, content_type: 1, not_json: 1 },
        cause: expect.any(String),
      });
      const reasons = logEntries(home).filter((e) => e.type === 'webhook.rejected').map((e) => e.reason);
      expect(reasons.sort()).toEqual(['content_type', 'headers', 'not_json', 'signature']);
    } finally {
      daemon.proc.kill('SIGTERM');
      await daemon.exited;
    }
  }, 60_000);
});

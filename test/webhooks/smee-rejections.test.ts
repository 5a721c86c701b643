import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { SmeeChannelServer } from '../fakes/smee-channel.mjs';
import { logEntries, makeHome, removeHomes, runCli, startDaemon, waitFor } from '../helpers/home.js';
import { queuedAlerts } from '../helpers/store-rows.js';
import { sign, webhookSecret } from '../helpers/webhooks.js';

// Issue 20: through smee a pretty-printed delivery arrived re-serialised, failed its
// signature, and was dropped with no trace — GitHub saw smee's 200 and never redelivers.
// The real smee-client (vigil's own, started by github.webhookProxyUrl) against a channel
// server that does to the body what smee.io does (test/fakes/smee-channel.mjs).

afterEach(() => removeHomes());

/** GitHub posting a delivery to the smee channel. */
async function postToChannel(url: string, secret: string, body: string, deliveryId: string, contentType = 'application/json') {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      'user-agent': 'GitHub-Hookshot/test',
      'x-github-event': 'issues',
      'x-github-delivery': deliveryId,
      'x-hub-signature-256': sign(secret, body),
    },
    body,
  });
  return res.status;
}

describe('deliveries through the webhook proxy (real smee-client)', () => {
  it('a compact delivery is stored; a pretty-printed one is logged as rejected with its id, counted, doctor warns, the owner is told once', async () => {
    const smee = await new SmeeChannelServer().start();
    const channel = smee.channel('vigil-channel');
    const home = makeHome({ github: { webhookProxyUrl: channel } });
    const daemon = await startDaemon(home);
    const secret = webhookSecret(home);
    const payload = { action: 'opened', issue: { number: 7, title: 'Überprüfung — café ☕' }, repository: { full_name: 'octo/app' } };
    const compactId = crypto.randomUUID();
    const prettyIds: string[] = [crypto.randomUUID(), crypto.randomUUID()];
    try {
      await waitFor(() => smee.connected('vigil-channel'), 10_000, 'smee-client to connect');
      expect(await postToChannel(channel, secret, JSON.stringify(payload), compactId)).toBe(200);
      await waitFor(() => logEntries(home).find((e) => e.type === 'event.received' && e.deliveryId === compactId), 10_000, 'the compact delivery stored');

      // Smee answers GitHub 200 either way: only vigil can say what became of it.
      for (const id of prettyIds) expect(await postToChannel(channel, secret, JSON.stringify(payload, null, 2), id)).toBe(200);
      const first = await waitFor(() => logEntries(home).find((e) => e.type === 'webhook.rejected'), 10_000, 'the rejection logged');
      // smee-client forwards each as it comes: either may be first.
      expect(first).toMatchObject({ reason: 'signature', via: 'proxy', count: 1, deliveries: [{ deliveryId: expect.any(String), event: 'issues' }] });
      expect(prettyIds).toContain((first.deliveries as { deliveryId: string }[])[0]!.deliveryId);
      expect(String(first.cause)).toMatch(/proxy forwards the JSON re-serialised/);

      const rejected = await waitFor(() => {
        const s = JSON.parse(runCli(home, ['status', '--json']).stdout) as { rejectedDeliveries: { lastHour: number } };
        return s.rejectedDeliveries.lastHour === 2 && s.rejectedDeliveries;
      }, 10_000, 'both counted in vigil status');
      expect(rejected).toMatchObject({ proxy: { signature: 2 } });
      expect(rejected).not.toHaveProperty('direct');

      // Told once an hour, through the notification queue: two rejections, one notice.
      const notices = queuedAlerts(home);
      expect(notices).toHaveLength(1);
      expect(notices[0]!.payload.body).toMatch(/arriving but failing verification/);

      // smee itself refuses a form-encoded hook: the README says application/json.
      const form = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
      expect(await postToChannel(channel, secret, form, crypto.randomUUID(), 'application/x-www-form-urlencoded')).toBe(415);
    } finally {
      daemon.proc.kill('SIGTERM');
      await daemon.exited;
      await smee.stop();
    }
    // Each rejected delivery is in the log with its id (the second waited for its minute, written at stop).
    const named = logEntries(home)
      .filter((e) => e.type === 'webhook.rejected')
      .flatMap((e) => (e.deliveries as { deliveryId: string }[] | undefined) ?? [])
      .map((d) => d.deliveryId);
    expect(named.sort()).toEqual([...prettyIds].sort());
    expect(logEntries(home).some((e) => e.type === 'event.received' && prettyIds.includes(String(e.deliveryId)))).toBe(false);

    const doctor = runCli(home, ['doctor']).stdout;
    expect(doctor).toMatch(/warn\s+rejected\s+2 deliveries refused in the last day \(2 signature through the proxy\); likely cause: through the webhook proxy/);
  }, 90_000);
});

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { logEntries, makeHome, removeHomes, startDaemon, waitFor } from '../helpers/home.js';
import { sign, webhookSecret } from '../helpers/webhooks.js';

afterEach(() => removeHomes());

/** A smee.io stand-in: one server-sent-events channel that the test pushes deliveries into. */
function fakeSmee(): Promise<{ url: string; push: (data: unknown) => void; connected: () => boolean; close: () => void }> {
  const clients = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write('event: ready\ndata: {}\n\n');
    clients.add(res);
    req.on('close', () => clients.delete(res));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}/vigil-channel`,
        push: (data) => {
          for (const c of clients) c.write(`data: ${JSON.stringify(data)}\n\n`);
        },
        connected: () => clients.size > 0,
        close: () => {
          for (const c of clients) c.end();
          server.close();
        },
      });
    }),
  );
}

describe('github.webhookProxyUrl (smee-client)', () => {
  it('replays a delivery from the channel into the signed, durable route', async () => {
    const smee = await fakeSmee();
    const home = makeHome({ github: { webhookProxyUrl: smee.url } });
    const daemon = await startDaemon(home);
    try {
      await waitFor(() => smee.connected(), 10_000, 'smee-client to connect');
      const payload = { action: 'opened', issue: { number: 3, title: 'via smee' }, repository: { full_name: 'octo/app' } };
      smee.push({
        'x-github-event': 'issues',
        'x-github-delivery': '5eede11e-0001',
        'x-hub-signature-256': sign(webhookSecret(home), JSON.stringify(payload)),
        body: payload,
        query: {},
      });
      const received = await waitFor(
        () => logEntries(home).find((e) => e.type === 'event.received' && e.deliveryId === '5eede11e-0001'),
        10_000,
        'the proxied delivery',
      );
      expect(received.kind).toBe('github.issues.opened');
    } finally {
      daemon.proc.kill('SIGTERM');
      await daemon.exited;
      smee.close();
    }
  });

  it('an unreachable channel neither blocks the start nor the stop', async () => {
    const home = makeHome({ github: { webhookProxyUrl: 'http://127.0.0.1:9/closed-channel' } });
    const daemon = await startDaemon(home);
    expect((await fetch(`${daemon.url}/healthz`)).status).toBe(200);
    const t0 = Date.now();
    daemon.proc.kill('SIGTERM');
    expect((await daemon.exited).code, daemon.output()).toBe(0);
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});

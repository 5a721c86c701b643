import crypto from 'node:crypto';
import http from 'node:http';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { logEntries, makeHome, startDaemon, waitFor } from '../helpers/home.js';
import { postDelivery, sign, useWebhookDaemon, webhookSecret } from '../helpers/webhooks.js';

interface ExampleGroup {
  name: string;
  examples: Record<string, unknown>[];
}
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as ExampleGroup[];

const shared = useWebhookDaemon();

describe('POST /webhooks/github', () => {
  it('stores every example payload of @octokit/webhooks-examples once, answered 202, logged with kind and delivery id', async () => {
    const sent: { deliveryId: string; kind: string }[] = [];
    // Five examples repeat another byte for byte: one body under a second delivery id is
    // a replay (issue 12), answered 200 and logged as event.replayed, not stored again.
    const bodies = new Map<string, string>();
    const replayed: { deliveryId: string; of: string }[] = [];
    for (const group of examples) {
      for (const payload of group.examples) {
        const deliveryId = crypto.randomUUID();
        const body = JSON.stringify(payload);
        const res = await postDelivery(shared.daemon.url, shared.secret, body, { event: group.name, deliveryId });
        const action = typeof payload.action === 'string' ? `.${payload.action}` : '';
        expect(res.body.kind).toBe(`github.${group.name}${action}`);
        const first = bodies.get(body);
        if (first) {
          expect(res.status, `${group.name} repeats a body`).toBe(200);
          expect(res.body.status).toBe('replayed');
          replayed.push({ deliveryId, of: first });
          continue;
        }
        expect(res.status, `${group.name} ${res.body.message ?? ''}`).toBe(202);
        bodies.set(body, deliveryId);
        sent.push({ deliveryId, kind: `github.${group.name}${action}` });
      }
    }
    expect(examples).toHaveLength(58);
    expect(sent.length + replayed.length).toBe(329);
    expect(replayed).toHaveLength(5);
    const received = await waitFor(() => {
      const entries = logEntries(shared.home).filter((e) => e.type === 'event.received' && e.source === 'github');
      return entries.length >= sent.length ? entries : undefined;
    });
    const byDelivery = new Map<string, unknown[]>();
    for (const e of received) byDelivery.set(e.deliveryId as string, [...(byDelivery.get(e.deliveryId as string) ?? []), e]);
    for (const { deliveryId, kind } of sent) {
      const entries = byDelivery.get(deliveryId) as { kind: string }[] | undefined;
      expect(entries, deliveryId).toHaveLength(1);
      expect(entries![0]!.kind).toBe(kind);
    }
    const replays = logEntries(shared.home).filter((e) => e.type === 'event.replayed');
    for (const { deliveryId } of replayed) {
      expect(replays.filter((e) => e.deliveryId === deliveryId), deliveryId).toHaveLength(1);
      expect(byDelivery.has(deliveryId)).toBe(false);
    }
  }, 120_000);

  it('verifies the test vector from GitHub’s documentation', async () => {
    // Secret "It's a Secret to Everybody", payload "Hello, World!" (docs.github.com, validating webhook deliveries).
    expect(sign("It's a Secret to Everybody", 'Hello, World!')).toBe(
      'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    );
    const vectorHome = makeHome();
    const vectorDaemon = await startDaemon(vectorHome, { GITHUB_WEBHOOK_SECRET: "It's a Secret to Everybody" });
    try {
      const signature = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
      // The signature verifies (not 401); the body then fails as JSON (400).
      const ok = await postDelivery(vectorDaemon.url, '', 'Hello, World!', { event: 'push', deliveryId: '0000aaaa-0001', signature });
      expect(ok.status).toBe(400);
      expect(ok.body.code).toBe('VIGIL_ERR_WEBHOOK_BODY');
      const bad = await postDelivery(vectorDaemon.url, '', 'Hello, World?', { event: 'push', deliveryId: '0000aaaa-0002', signature });
      expect(bad.status).toBe(401);
      // The secret in secrets.json still verifies while GITHUB_WEBHOOK_SECRET takes over (rotation).
      const old = await postDelivery(vectorDaemon.url, webhookSecret(vectorHome), '{"zen":"x"}', { event: 'ping', deliveryId: '0000aaaa-0003' });
      expect(old.status).toBe(202);
    } finally {
      vectorDaemon.proc.kill('SIGTERM');
      await vectorDaemon.exited;
    }
  });

  it('answers 401 for a wrong, missing or truncated signature', async () => {
    const body = JSON.stringify({ action: 'opened', issue: { number: 1 } });
    const good = sign(shared.secret, body);
    const wrong = sign('not the secret', body);
    for (const signature of [wrong, null, good.slice(0, -4), 'sha256=', good.replace('sha256=', 'sha1=')]) {
      const res = await postDelivery(shared.daemon.url, shared.secret, body, { event: 'issues', deliveryId: crypto.randomUUID(), signature });
      expect(res.status, String(signature)).toBe(401);
      expect(res.body.code).toBe('VIGIL_ERR_SIGNATURE');
    }
  });

  it('answers 400 for missing X-GitHub-Event or X-GitHub-Delivery, and for a body that is not JSON', async () => {
    const body = '{"action":"opened"}';
    expect((await postDelivery(shared.daemon.url, shared.secret, body, { deliveryId: crypto.randomUUID() })).status).toBe(400);
    expect((await postDelivery(shared.daemon.url, shared.secret, body, { event: 'issues' })).status).toBe(400);
    const notJson = await postDelivery(shared.daemon.url, shared.secret, 'action=opened', { event: 'issues', deliveryId: crypto.randomUUID() });
    expect(notJson.status).toBe(400);
    expect(notJson.body.code).toBe('VIGIL_ERR_WEBHOOK_BODY');
  });

  it('answers 413 for a 26 MB body', async () => {
    const body = JSON.stringify({ blob: 'x'.repeat(26 * 1024 * 1024) });
    // vigil answers as soon as it sees the declared length, before reading the body (it
    // discards what follows for a moment, then cuts). Send the first megabyte and wait for that answer.
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${shared.daemon.url}/webhooks/github`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-github-event': 'issues',
          'x-github-delivery': crypto.randomUUID(),
          'x-hub-signature-256': sign(shared.secret, body),
        },
      });
      req.on('response', (res) => {
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err);
      });
      req.write(body.slice(0, 1 << 20));
    });
    expect(status).toBe(413);
  });

  it('stores the same delivery id once: 202, then 200', async () => {
    const deliveryId = crypto.randomUUID();
    const body = JSON.stringify({ action: 'opened', issue: { number: 7, title: 'twice' }, repository: { full_name: 'octo/app' } });
    const first = await postDelivery(shared.daemon.url, shared.secret, body, { event: 'issues', deliveryId });
    const second = await postDelivery(shared.daemon.url, shared.secret, body, { event: 'issues', deliveryId });
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(second.body.eventId).toBe(first.body.eventId);
    await waitFor(() => logEntries(shared.home).some((e) => e.deliveryId === deliveryId));
    expect(logEntries(shared.home).filter((e) => e.type === 'event.received' && e.deliveryId === deliveryId)).toHaveLength(1);
  });

  it('accepts the form-encoded content type, signed over the raw form body', async () => {
    const json = JSON.stringify({ action: 'created', comment: { id: 1 } });
    const body = `payload=${encodeURIComponent(json)}`;
    const res = await postDelivery(shared.daemon.url, shared.secret, body, {
      event: 'issue_comment',
      deliveryId: crypto.randomUUID(),
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(res.status).toBe(202);
    expect(res.body.kind).toBe('github.issue_comment.created');
  });
});

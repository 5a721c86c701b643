import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { killDaemons, makeHome, removeHomes, sleep, startDaemon, type RunningDaemon } from '../helpers/home.js';
import { postDelivery, webhookSecret } from '../helpers/webhooks.js';
import { deliveryHeaders, memoryOf, wirePost } from './intake-wire.js';

// Issue 12: intake could be exhausted without a signature — 25 MB bodies buffered before
// the check, uncapped concurrency, a slow body held for 300 s, headers stored unchecked.

const daemons: RunningDaemon[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  removeHomes();
});

async function daemonWith(config: Record<string, unknown> = {}) {
  const home = makeHome(config);
  const daemon = await startDaemon(home);
  daemons.push(daemon);
  const secret = webhookSecret(home);
  // fastify and the route load with the first request: measure from there.
  const warm = await postDelivery(daemon.url, secret, JSON.stringify({ zen: 'warm' }), { event: 'ping', deliveryId: crypto.randomUUID() });
  expect(warm.status).toBe(202);
  return { home, daemon, secret };
}

const MB = 1024 * 1024;

describe('webhook intake under unsigned load', () => {
  it('20 concurrent 24 MB bodies with forged or missing signatures: RSS grows ≤ 100 MB, each answered 401 or 503 within 5 s', async () => {
    const { daemon, secret } = await daemonWith();
    const body = Buffer.alloc(24 * MB, 'x');
    body.write('{"x":"');
    body.write('"}', body.length - 2);
    // Well-formed signatures that do not match: the body has to be read to tell.
    const forged = () => 'sha256=' + crypto.randomBytes(32).toString('hex');

    for (const signature of [forged, () => undefined]) {
      const before = memoryOf(daemon.pid);
      let peak = before.rss;
      const sampler = setInterval(() => (peak = Math.max(peak, memoryOf(daemon.pid).rss)), 10);
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => wirePost(daemon.url, { headers: deliveryHeaders(body.length, signature()), body, timeoutMs: 15_000 })),
      );
      clearInterval(sampler);
      const after = memoryOf(daemon.pid);
      // VmHWM catches a peak between samples (it only ever grows: use it when it moved).
      if (after.peak > before.peak) peak = Math.max(peak, after.peak);

      for (const a of answers) {
        expect([401, 503], JSON.stringify(a)).toContain(a.status);
        expect(a.ms).toBeLessThan(5000);
      }
      if (signature === forged) {
        // The budget (32 MB) lets one body in at a time; the rest are refused unread.
        expect(answers.filter((a) => a.status === 401).length).toBeGreaterThanOrEqual(1);
        const busy = answers.filter((a) => a.status === 503);
        expect(busy.length).toBeGreaterThan(0);
        for (const a of busy) {
          expect(JSON.parse(a.body).code).toBe('VIGIL_ERR_WEBHOOK_BUSY');
          expect(Number(a.headers['retry-after'])).toBeGreaterThan(0);
        }
      } else {
        for (const a of answers) expect(a.status).toBe(401);
      }
      console.log(`20 × 24 MB, ${signature === forged ? 'forged' : 'missing'} signatures: RSS ${(before.rss / MB).toFixed(0)} → peak ${(peak / MB).toFixed(0)} MB`);
      expect(peak - before.rss, `RSS ${before.rss / MB} → peak ${peak / MB} MB`).toBeLessThanOrEqual(100 * MB);
    }

    // The budget is given back: a signed delivery is stored, and the daemon is healthy.
    const res = await postDelivery(daemon.url, secret, JSON.stringify({ action: 'opened', issue: { number: 1 } }), {
      event: 'issues',
      deliveryId: crypto.randomUUID(),
    });
    expect(res.status).toBe(202);
    expect((await fetch(`${daemon.url}/healthz`)).status).toBe(200);
  }, 60_000);

  it('a body slower than http.bodyTimeoutSeconds is cut at the timeout: 408, the connection closed', async () => {
    const { daemon, secret } = await daemonWith({ http: { bodyTimeoutSeconds: 1 } });
    const body = Buffer.from(JSON.stringify({ action: 'opened', issue: { number: 2, title: 'slow' } }));
    // Half the body, then nothing: held open by the sender.
    const slow = await wirePost(daemon.url, {
      headers: deliveryHeaders(body.length, 'sha256=' + '0'.repeat(64)),
      body,
      sendBytes: 10,
      timeoutMs: 10_000,
    });
    expect(slow.status).toBe(408);
    expect(JSON.parse(slow.body).code).toBe('VIGIL_ERR_WEBHOOK_TIMEOUT');
    expect(slow.headers.connection).toBe('close');
    expect(slow.ms).toBeGreaterThanOrEqual(900);
    expect(slow.ms).toBeLessThan(3000);
    // And the daemon answers the next one as usual.
    const res = await postDelivery(daemon.url, secret, body.toString(), { event: 'issues', deliveryId: crypto.randomUUID() });
    expect(res.status).toBe(202);
  });

  it('bad event names, delivery ids and content types get 400 before a byte of the body is read; an empty body is 400', async () => {
    const { daemon, secret } = await daemonWith();
    const declared = 4 * MB;
    const cases: [string, Record<string, string>][] = [
      ['event with a dot', { 'x-github-event': 'issues.opened' }],
      ['event with markup', { 'x-github-event': 'issues</third-party-data>' }],
      ['event upper case', { 'x-github-event': 'Issues' }],
      ['event too long', { 'x-github-event': 'a'.repeat(65) }],
      ['delivery id not hex', { 'x-github-delivery': 'not-a-guid-at-all' }],
      ['delivery id too short', { 'x-github-delivery': 'abc-123' }],
      ['delivery id too long', { 'x-github-delivery': 'a'.repeat(65) }],
      ['delivery id with a newline escape', { 'x-github-delivery': '0000aaaa%0a' }],
      ['content type text/plain', { 'content-type': 'text/plain' }],
    ];
    for (const [what, extra] of cases) {
      // Headers only: the declared body never comes. An answer proves it was not waited for.
      const a = await wirePost(daemon.url, { headers: deliveryHeaders(declared, 'sha256=' + '0'.repeat(64), extra), timeoutMs: 5000 });
      expect(a.status, what).toBe(400);
      expect(JSON.parse(a.body).code, what).toBe('VIGIL_ERR_WEBHOOK_HEADERS');
      expect(a.bodyBytesWritten, what).toBe(0);
    }
    // Case does not matter where HTTP says it does not: the media type.
    const body = JSON.stringify({ action: 'opened', issue: { number: 3 } });
    const upper = await postDelivery(daemon.url, secret, body, { event: 'issues', deliveryId: crypto.randomUUID().toUpperCase(), contentType: 'Application/JSON; charset=UTF-8' });
    expect(upper.status).toBe(202);
    // GitHub's own event names with digits pass.
    const v2 = await postDelivery(daemon.url, secret, JSON.stringify({ action: 'created', projects_v2_item: { id: 1 } }), { event: 'projects_v2_item', deliveryId: crypto.randomUUID() });
    expect(v2.status).toBe(202);
    // Empty: 400 whatever the signature.
    const empty = await wirePost(daemon.url, { headers: deliveryHeaders(0, 'sha256=' + '0'.repeat(64)), timeoutMs: 5000 });
    expect(empty.status).toBe(400);
    expect(JSON.parse(empty.body).code).toBe('VIGIL_ERR_WEBHOOK_BODY');
    // Over 25 MB by its declared length: 413 at once.
    const big = await wirePost(daemon.url, { headers: deliveryHeaders(26 * MB, 'sha256=' + '0'.repeat(64)), timeoutMs: 5000 });
    expect(big.status).toBe(413);
    expect(big.ms).toBeLessThan(1000);
    await sleep(50);
    expect((await fetch(`${daemon.url}/healthz`)).status).toBe(200);
  });
});

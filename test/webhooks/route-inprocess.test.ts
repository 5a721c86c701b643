import crypto from 'node:crypto';
import http from 'node:http';
import type { Socket } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { HttpFront } from '../../src/daemon/http.js';
import type { EventRecord } from '../../src/events.js';
import { openDb, Store } from '../../src/store/index.js';
import { REAL_DISK, Spool } from '../../src/store/spool.js';
import { RejectionTally, WebhookIntake } from '../../src/triggers/index.js';
import { githubWebhookHandler, type WebhookRouteOptions } from '../../src/triggers/webhooks/route.js';
import { useTempDir } from '../unit/helpers.js';

/**
 * `POST /webhooks/github` in process, for mutation runs (process-level tests run dist/,
 * which a mutant in src/ never reaches): the real route in front of the daemon's real
 * listener (HttpFront, as the daemon mounts it), on 127.0.0.1 port 0, with the real intake and store, and a real HTTP client. What a
 * sender gets back is what GitHub reads: the status, the error code, Retry-After.
 * rejections.test.ts and intake-signature.test.ts check the same through the daemon.
 */
const tempDir = useTempDir('vigil-route-');
const SECRET = 'whsec-current-0123456789';
const OLD_SECRET = 'whsec-rotating-out-0123456789';
const PROXY_KEY = 'k'.repeat(32);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Setup {
  url: string;
  store: Store;
  intake: WebhookIntake;
  tally: RejectionTally;
  rejectionLines: EventRecord[];
}

async function setUp(over: Partial<WebhookRouteOptions> = {}, diskFull = false): Promise<Setup> {
  const dir = tempDir();
  const disk = diskFull ? { ...REAL_DISK, write: () => { throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }); } } : REAL_DISK;
  const store = new Store(openDb(path.join(dir, 'vigil.db')), new Spool(path.join(dir, 'spool'), { disk }));
  const clock = new FakeClock(1_750_000_000_000);
  const intake = new WebhookIntake({
    store,
    journal: { writeMany: () => undefined },
    clock,
    filter: () => parseConfig({}).github,
    onStored: () => undefined,
  });
  const rejectionLines: EventRecord[] = [];
  const tally = new RejectionTally({ clock, record: (r) => rejectionLines.push(r), load: () => undefined, save: () => undefined, notifyOwner: () => undefined });
  const options: WebhookRouteOptions = { intake, secrets: [SECRET, OLD_SECRET], bodyTimeoutMs: 5000, rejections: tally, proxyKey: PROXY_KEY, ...over };
  // Every other request would build the fastify app; none is sent here.
  const front = new HttpFront(() => Promise.reject(new Error('this test has no app')), { bodyTimeoutMs: 5000 }, [
    { method: 'POST', path: '/webhooks/github', load: async () => githubWebhookHandler(options) },
  ]);
  const { port } = await front.listen('127.0.0.1', 0);
  cleanups.push(() => store.close(), () => front.close(1000));
  return { url: `http://127.0.0.1:${port}`, store, intake, tally, rejectionLines };
}

const sign = (secret: string, body: string | Buffer) => 'sha256=' + crypto.createHmac('sha256', secret).update(body).digest('hex');

let ids = 0;
const newId = () => `0000${(++ids).toString(16).padStart(4, '0')}-aaaa`;
const issueBody = (n = ids) => JSON.stringify({ action: 'opened', issue: { number: n }, repository: { full_name: 'octo/app' } });

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** One POST with a real client; `chunked` sends without Content-Length, `declaredLength` only claims one. */
function post(
  url: string,
  opts: { body?: string | Buffer; headers?: Record<string, string | undefined>; query?: string; chunked?: boolean; declaredLength?: number; agent?: http.Agent } = {},
): Promise<Answer> {
  const body = opts.body ?? issueBody();
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-github-event': 'issues',
    'x-github-delivery': newId(),
    'x-hub-signature-256': sign(SECRET, body),
  };
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    if (v === undefined) delete headers[k];
    else headers[k] = v;
  }
  if (opts.declaredLength !== undefined) headers['content-length'] = String(opts.declaredLength);
  else if (!opts.chunked) headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/webhooks/github${opts.query ?? ''}`, { method: 'POST', headers, agent: opts.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
      });
    });
    req.on('error', reject);
    if (opts.declaredLength !== undefined) return void req.flushHeaders();
    if (opts.chunked) req.write(body);
    req.end(opts.chunked ? undefined : body);
  });
}

const rowCount = (store: Store) => store.db.prepare('SELECT count(*) FROM inbox').pluck().get() as number;

describe('the webhook route, in process', () => {
  it('stores a signed delivery (202, its event id and kind); the same id again is 200 duplicate; its body under another id is 200 replayed', async () => {
    const { url, store } = await setUp();
    const body = issueBody(1);
    const id = newId();
    const first = await post(url, { body, headers: { 'x-github-delivery': id } });
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ status: 'stored', eventId: expect.any(Number), kind: 'github.issues.opened' });
    expect(first.headers['content-type']).toBe('application/json; charset=utf-8');
    const again = await post(url, { body, headers: { 'x-github-delivery': id } });
    expect(again).toMatchObject({ status: 200, body: { status: 'duplicate', eventId: first.body.eventId, kind: 'github.issues.opened' } });
    const replay = await post(url, { body });
    expect(replay).toMatchObject({ status: 200, body: { status: 'replayed', kind: 'github.issues.opened' } });
    expect(rowCount(store)).toBe(1);
  });

  it('headers GitHub would send in other forms still pass: an upper-case hex signature, a media type with parameters, a chunked body, a digit in the event name', async () => {
    const { url } = await setUp();
    const body = issueBody(2);
    expect((await post(url, { body, headers: { 'x-hub-signature-256': `sha256=${sign(SECRET, body).slice('sha256='.length).toUpperCase()}` } })).status).toBe(202);
    expect((await post(url, { body: issueBody(3), headers: { 'content-type': 'Application/JSON; charset=utf-8' } })).status).toBe(202);
    expect((await post(url, { body: issueBody(11), headers: { 'content-type': 'application/json ; charset=utf-8' } })).status).toBe(202);
    expect((await post(url, { body: issueBody(4), chunked: true })).status).toBe(202);
    expect((await post(url, { body: issueBody(5), headers: { 'x-github-event': 'projects_v2_item' } })).body).toMatchObject({ kind: 'github.projects_v2_item.opened' });
    const form = `payload=${encodeURIComponent(issueBody(6))}`;
    expect((await post(url, { body: form, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-hub-signature-256': sign(SECRET, form) } })).status).toBe(202);
  });

  it('the older secret still verifies while GitHub is switched over; any other key, or other bytes, is 401 and nothing is stored', async () => {
    const { url, store } = await setUp();
    const body = issueBody(7);
    expect((await post(url, { body, headers: { 'x-hub-signature-256': sign(OLD_SECRET, body) } })).status).toBe(202);
    const refused = await post(url, { body: issueBody(8), headers: { 'x-hub-signature-256': sign('whsec-someone-else', issueBody(8)) } });
    expect(refused).toMatchObject({ status: 401, body: { code: 'VIGIL_ERR_SIGNATURE' } });
    // The same text with a BOM in front: other bytes, another signature.
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(issueBody(9))]);
    expect((await post(url, { body: bom, headers: { 'x-hub-signature-256': sign(SECRET, issueBody(9)) } })).status).toBe(401);
    expect(rowCount(store)).toBe(1);
  });

  it('with no secret configured nothing verifies, not even a body signed with an empty key', async () => {
    const { url, store } = await setUp({ secrets: [] });
    const body = issueBody(10);
    expect((await post(url, { body, headers: { 'x-hub-signature-256': sign('', body) } })).status).toBe(401);
    expect(rowCount(store)).toBe(0);
  });

  /** What a sender is told about its headers (the grammars the route checks). */
  const HEADERS_RULE = 'X-GitHub-Event ([a-z][a-z0-9_]{0,63}) and X-GitHub-Delivery ([0-9a-f-]{8,64}) are required';

  it.each([
    ['no event', { 'x-github-event': undefined }, 400, 'VIGIL_ERR_WEBHOOK_HEADERS', HEADERS_RULE, 'headers'],
    ['an upper-case event', { 'x-github-event': 'Issues' }, 400, 'VIGIL_ERR_WEBHOOK_HEADERS', HEADERS_RULE, 'headers'],
    ['an event name too long', { 'x-github-event': `a${'b'.repeat(64)}` }, 400, 'VIGIL_ERR_WEBHOOK_HEADERS', HEADERS_RULE, 'headers'],
    ['no delivery id', { 'x-github-delivery': undefined }, 400, 'VIGIL_ERR_WEBHOOK_HEADERS', HEADERS_RULE, 'headers'],
    ['a delivery id too short', { 'x-github-delivery': 'abc-123' }, 400, 'VIGIL_ERR_WEBHOOK_HEADERS', HEADERS_RULE, 'headers'],
    ['a delivery id not hex', { 'x-github-delivery': 'zzzzzzzz-zzzz' }, 400, 'VIGIL_ERR_WEBHOOK_HEADERS', HEADERS_RULE, 'headers'],
    ['another media type', { 'content-type': 'text/plain' }, 400, 'VIGIL_ERR_WEBHOOK_HEADERS', 'Content-Type must be application/json or application/x-www-form-urlencoded', 'content_type'],
    ['no signature', { 'x-hub-signature-256': undefined }, 401, 'VIGIL_ERR_SIGNATURE', 'X-Hub-Signature-256', 'signature'],
    ['a sha1 signature', { 'x-hub-signature-256': `sha1=${'a'.repeat(40)}` }, 401, 'VIGIL_ERR_SIGNATURE', 'X-Hub-Signature-256', 'signature'],
    ['a signature with more before it', { 'x-hub-signature-256': `xsha256=${'a'.repeat(64)}` }, 401, 'VIGIL_ERR_SIGNATURE', 'X-Hub-Signature-256', 'signature'],
    ['a signature with more after it', { 'x-hub-signature-256': `sha256=${'a'.repeat(64)}0` }, 401, 'VIGIL_ERR_SIGNATURE', 'X-Hub-Signature-256', 'signature'],
  ] as const)('refuses %s before reading the body, the message naming what is wanted', async (_name, headers, status, code, message, reason) => {
    const { url, store, tally } = await setUp();
    const answer = await post(url, { headers });
    expect(answer).toMatchObject({ status, body: { code, message: expect.stringContaining(message) } });
    // Counted under its reason (issue 20).
    expect(tally.summary(3_600_000)).toMatchObject({ total: 1, direct: { [reason]: 1 } });
    // Retry-After only where waiting helps: a refused delivery will be refused again.
    expect(answer.headers['retry-after']).toBeUndefined();
    expect(rowCount(store)).toBe(0);
  });

  it('refuses an empty body, one over GitHub\'s 25 MB by its Content-Length (unread), one not UTF-8, one not JSON', async () => {
    const { url, store, tally } = await setUp();
    expect(await post(url, { body: '' })).toMatchObject({ status: 400, body: { code: 'VIGIL_ERR_WEBHOOK_BODY', message: expect.stringContaining('the body is empty') } });
    expect(await post(url, { declaredLength: 25 * 1024 * 1024 + 1 })).toMatchObject({
      status: 413,
      body: { code: 'VIGIL_ERR_WEBHOOK_TOO_LARGE', message: expect.stringContaining(`Content-Length ${25 * 1024 * 1024 + 1} is over ${25 * 1024 * 1024}`) },
    });
    const latin1 = Buffer.from('{"action":"opened","title":"caf\xe9"}', 'latin1');
    expect(await post(url, { body: latin1, headers: { 'x-hub-signature-256': sign(SECRET, latin1) } })).toMatchObject({ status: 400, body: { code: 'VIGIL_ERR_WEBHOOK_BODY', message: expect.stringContaining('UTF-8') } });
    expect(await post(url, { body: '{"action":', headers: { 'x-hub-signature-256': sign(SECRET, '{"action":') } })).toMatchObject({ status: 400, body: { code: 'VIGIL_ERR_WEBHOOK_BODY', message: expect.stringContaining('does not parse') } });
    expect(rowCount(store)).toBe(0);
    expect(tally.summary(3_600_000)).toMatchObject({ total: 4, direct: { empty: 1, too_large: 1, not_utf8: 1, not_json: 1 } });
  });

  it('what cannot be stored durably is 503 with Retry-After, never a 2xx: vigil stopping, a full disk', async () => {
    const stopping = await setUp();
    await stopping.intake.close();
    const closed = await post(stopping.url);
    expect(closed).toMatchObject({ status: 503, body: { code: 'VIGIL_ERR_WEBHOOK_UNAVAILABLE' } });
    expect(closed.headers['retry-after']).toBe('5');
    // The intake's own refusal is answered as it is, not wrapped in a second one naming its code.
    expect(closed.body.message).not.toContain('[VIGIL_ERR');

    const full = await setUp({}, true);
    const refused = await post(full.url);
    expect(refused).toMatchObject({ status: 503, body: { code: 'VIGIL_ERR_WEBHOOK_UNAVAILABLE', message: expect.stringContaining('ENOSPC') } });
    expect(refused.headers['retry-after']).toBe('5');
    expect(rowCount(full.store)).toBe(0);
  });

  it('more unverified bytes than the budget at once is 503 busy with Retry-After', async () => {
    const { url } = await setUp({ unverifiedBytesLimit: 1024 });
    const big = JSON.stringify({ action: 'opened', pad: 'x'.repeat(4096) });
    const answer = await post(url, { body: big, headers: { 'x-hub-signature-256': sign(SECRET, big) } });
    expect(answer).toMatchObject({ status: 503, body: { code: 'VIGIL_ERR_WEBHOOK_BUSY' } });
    expect(answer.headers['retry-after']).toBe('5');
  });

  it('a Content-Length of exactly GitHub\'s 25 MB is not over it: the body is read (here it never comes: 408)', async () => {
    const { url } = await setUp({ bodyTimeoutMs: 200 });
    expect(await post(url, { declaredLength: 25 * 1024 * 1024 })).toMatchObject({ status: 408, body: { code: 'VIGIL_ERR_WEBHOOK_TIMEOUT' } });
  });

  it('a body slower than http.bodyTimeoutSeconds is 408 and its connection closed', async () => {
    const { url } = await setUp({ bodyTimeoutMs: 200 });
    // A client that would keep the connection: the server must close it itself.
    const agent = new http.Agent({ keepAlive: true });
    try {
      const answer = await post(url, { declaredLength: 100, agent });
      expect(answer).toMatchObject({ status: 408, body: { code: 'VIGIL_ERR_WEBHOOK_TIMEOUT' } });
      expect(answer.headers.connection).toBe('close');
    } finally {
      agent.destroy();
    }
  });

  /** A POST on a keep-alive connection whose body is `sent` of `length` declared; the answer, and when its socket closed. */
  function keepAlivePost(url: string, agent: http.Agent, body: Buffer, length: number, signed = body): { answer: Promise<Answer & { socket: Socket }>; closedAt: Promise<number> } {
    const request = http.request(`${url}/webhooks/github`, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'x-github-event': 'issues', 'x-github-delivery': newId(), 'x-hub-signature-256': sign(SECRET, signed), 'content-length': String(length) },
    });
    // The server may cut the connection while this side still holds the body.
    request.on('error', () => undefined);
    const closedAt = new Promise<number>((resolve) => request.on('socket', (socket) => socket.once('close', () => resolve(Date.now()))));
    const answer = new Promise<Answer & { socket: Socket }>((resolve) => {
      request.on('response', (res) => {
        const socket = res.socket;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>, socket }));
      });
    });
    request.write(body);
    if (body.length === length) request.end();
    return { answer, closedAt };
  }

  it('a refused body still arriving is discarded for the linger, then its connection cut: the answer is read first, the sender never held on', async () => {
    const { url } = await setUp({ unverifiedBytesLimit: 50, lingerMs: 300 });
    const agent = new http.Agent({ keepAlive: true });
    try {
      // Declares 100 bytes (over the budget: refused before a byte is read), sends 10, holds the rest.
      const held = keepAlivePost(url, agent, Buffer.from('{"action":'), 100, Buffer.alloc(100));
      const answer = await held.answer;
      const answeredAt = Date.now();
      expect(answer).toMatchObject({ status: 503, body: { code: 'VIGIL_ERR_WEBHOOK_BUSY' } });
      // Not closed with the answer (a reset could lose it), and not left open: cut after the linger.
      expect(answer.headers.connection).not.toBe('close');
      const closedAt = await Promise.race([held.closedAt, new Promise<number>((resolve) => setTimeout(() => resolve(-1), 1500))]);
      expect(closedAt, 'the connection was never cut').not.toBe(-1);
      expect(closedAt - answeredAt).toBeGreaterThanOrEqual(200);
    } finally {
      agent.destroy();
    }
  });

  it('a refused body that arrives whole is drained and its connection kept: no linger cuts it afterwards', async () => {
    const { url } = await setUp({ unverifiedBytesLimit: 50, lingerMs: 300 });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const body = Buffer.from(JSON.stringify({ action: 'opened', pad: 'x'.repeat(100) }));
      // Refused before it is read (the budget), then sent whole: its end clears the linger.
      const busy = await keepAlivePost(url, agent, body, body.length).answer;
      expect(busy).toMatchObject({ status: 503, body: { code: 'VIGIL_ERR_WEBHOOK_BUSY' } });
      // Refused once read whole (another key): complete, so no linger at all.
      const small = Buffer.from('{"a":1}');
      const forged = await keepAlivePost(url, agent, small, small.length, Buffer.from('{"a":2}')).answer;
      expect(forged).toMatchObject({ status: 401, body: { code: 'VIGIL_ERR_SIGNATURE' } });
      expect(forged.socket).toBe(busy.socket);
      // A chunked body refused part-way (its second chunk is over the budget): the rest it sends is drained too.
      const chunked = http.request(`${url}/webhooks/github`, {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'x-github-event': 'issues', 'x-github-delivery': newId(), 'x-hub-signature-256': sign(SECRET, 'x') },
      });
      const refused = new Promise<number>((resolve) => chunked.on('response', (res) => (res.resume(), resolve(res.statusCode ?? 0))));
      chunked.write('x'.repeat(40));
      chunked.write('y'.repeat(40));
      expect(await refused).toBe(503);
      chunked.end('z'.repeat(40));
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(busy.socket.destroyed, 'a drained or complete refusal cut its keep-alive connection').toBe(false);
    } finally {
      agent.destroy();
    }
  });

  it('counts each refusal by reason and path: with vigil\'s own proxy key on the proxy path, naming the delivery; a wrong key is direct', async () => {
    const { url, tally, rejectionLines } = await setUp();
    const bad = { 'x-hub-signature-256': sign('whsec-someone-else', issueBody()) };
    await post(url, { headers: bad });
    await post(url, { headers: { ...bad, 'x-github-delivery': 'bbbbbbbb-0001' }, query: `?proxy=${PROXY_KEY}` });
    await post(url, { headers: bad, query: `?proxy=${'x'.repeat(32)}` });
    await post(url, { headers: bad, query: '?proxy=short' });
    await post(url, { headers: { 'content-type': 'text/plain' } });
    expect(tally.summary(3_600_000)).toMatchObject({ total: 5, direct: { signature: 3, content_type: 1 }, proxy: { signature: 1 } });
    const proxyLine = rejectionLines.find((r) => (r as { via?: string }).via === 'proxy');
    expect(proxyLine).toMatchObject({ type: 'webhook.rejected', reason: 'signature', deliveries: [{ deliveryId: 'bbbbbbbb-0001', event: 'issues' }] });
    // The direct path is anyone's: its lines count, and never repeat what the sender chose.
    const directLines = rejectionLines.filter((r) => (r as { via?: string }).via === 'direct');
    expect(directLines.length).toBeGreaterThan(0);
    for (const line of directLines) expect(line).not.toHaveProperty('deliveries');
    // A refusal of the daemon's own state (not stored now) is not the delivery's fault: not counted.
    const { url: closedUrl, intake, tally: closedTally } = await setUp();
    await intake.close();
    expect((await post(closedUrl)).status).toBe(503);
    expect(closedTally.summary(3_600_000).total).toBe(0);
  });

  it('on the proxy path, a delivery whose headers are not GitHub\'s shapes is counted without its names: nothing the sender chose is repeated', async () => {
    const { url, rejectionLines } = await setUp();
    const query = `?proxy=${PROXY_KEY}`;
    await post(url, { query, headers: { 'x-github-event': 'Evil Event', 'x-github-delivery': 'cccccccc-0001' } });
    await post(url, { query, headers: { 'x-github-event': 'issues', 'x-github-delivery': 'not-hex-zzzz' } });
    await post(url, { query, headers: { 'x-github-event': undefined, 'x-github-delivery': 'cccccccc-0002' } });
    await post(url, { query, headers: { 'x-github-event': 'issues', 'x-github-delivery': undefined } });
    const lines = rejectionLines.filter((r) => (r as { via?: string }).via === 'proxy');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect((line as { deliveries?: unknown[] }).deliveries ?? []).toEqual([]);
    expect(JSON.stringify(rejectionLines)).not.toMatch(/Evil Event|not-hex-zzzz|cccccccc/);
  });

  it('refuses as usual without a tally to count in', async () => {
    const { url } = await setUp({ rejections: undefined });
    expect(await post(url, { headers: { 'x-hub-signature-256': sign('whsec-someone-else', issueBody()) } })).toMatchObject({ status: 401, body: { code: 'VIGIL_ERR_SIGNATURE' } });
  });

  it('a fault of the daemon is 500 VIGIL_ERR_INTERNAL, its text kept inside', async () => {
    // A tally whose clock fails: counting the refusal throws inside the route.
    const clock = { now: (): number => { throw new Error('clock says /secret/path is gone'); } };
    const failing = new RejectionTally({ clock, record: () => undefined, load: () => undefined, save: () => undefined, notifyOwner: () => undefined });
    const { url } = await setUp({ rejections: failing });
    const answer = await post(url, { headers: { 'content-type': 'text/plain' } });
    expect(answer).toMatchObject({ status: 500, body: { code: 'VIGIL_ERR_INTERNAL' } });
    expect(JSON.stringify(answer.body)).not.toContain('/secret/path');
  });
});

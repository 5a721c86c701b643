import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BodyBudget } from '../../src/triggers/webhooks/body-budget.js';
import { WEBHOOK_BODY_LIMIT, type Refusal } from '../../src/triggers/webhooks/delivery-headers.js';
import { BUSY_RETRY_AFTER_SECONDS, readSignedBody, type SignedBody } from '../../src/triggers/webhooks/read-body.js';
import { BodySigner } from '../../src/triggers/webhooks/signature.js';

/**
 * A delivery's body read under the unverified-bytes budget (issue 12), with a budget the
 * test holds: each outcome gives back exactly what it took, a chunked body takes its
 * share as it arrives, and what is refused is refused with the code and the reason the
 * route answers and counts. A real HTTP server on 127.0.0.1 port 0 and a real client.
 */
const SECRET = 'whsec-read-body-0123456789';
const sign = (body: Buffer) => crypto.createHmac('sha256', SECRET).update(body).digest();

type Outcome = SignedBody | Refusal | 'gone';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A server that reads each request's body with `readSignedBody`; the outcomes, and the budget in use when each settled. */
async function reader(budget: BodyBudget, timeoutMs = 5000): Promise<{ port: number; outcomes: Promise<{ outcome: Outcome; inUse: number }>[] }> {
  const outcomes: Promise<{ outcome: Outcome; inUse: number }>[] = [];
  const server = http.createServer((req, res) => {
    const declared = req.headers['content-length'];
    const claimed = Buffer.from(String(req.headers['x-signature']), 'hex');
    const read = readSignedBody(req, {
      length: req.headers['transfer-encoding'] ? undefined : Number(declared ?? 0),
      budget,
      timeoutMs,
      signer: new BodySigner([SECRET]),
      signature: claimed,
    }).then((outcome) => {
      res.end(outcome === 'gone' ? '' : 'bytes' in outcome ? 'ok' : outcome.code);
      return { outcome, inUse: budget.inUse };
    });
    outcomes.push(read);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { port: (server.address() as AddressInfo).port, outcomes };
}

/** One POST; `chunks` sent chunked (no Content-Length) unless `length` is declared. */
function send(port: number, chunks: Buffer[], opts: { signature?: Buffer; length?: number; hold?: boolean } = {}): { request: http.ClientRequest; answered: Promise<string> } {
  const body = Buffer.concat(chunks);
  const headers: Record<string, string> = { 'x-signature': (opts.signature ?? sign(body)).toString('hex') };
  if (opts.length !== undefined) headers['content-length'] = String(opts.length);
  const request = http.request({ host: '127.0.0.1', port, method: 'POST', headers, agent: false });
  const answered = new Promise<string>((resolve) => {
    request.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(text));
    });
    request.on('error', () => resolve('error'));
  });
  for (const chunk of chunks) request.write(chunk);
  if (!opts.hold) request.end();
  return { request, answered };
}

describe('readSignedBody', () => {
  it('hands back the exact bytes and the replay key, and gives the declared length back', async () => {
    const budget = new BodyBudget(1000);
    const { port, outcomes } = await reader(budget);
    const body = Buffer.from('{"action":"opened","title":"naïve"}');
    expect(await send(port, [body], { length: body.length }).answered).toBe('ok');
    const { outcome, inUse } = await outcomes[0]!;
    expect(outcome).toEqual({ bytes: body, bodyDigest: sign(body).subarray(0, 8).toString('hex') });
    expect(inUse).toBe(0);
  });

  it('holds a declared length in the budget while the body is read', async () => {
    const budget = new BodyBudget(1000);
    const { port, outcomes } = await reader(budget);
    const body = Buffer.from('x'.repeat(600));
    const first = send(port, [body.subarray(0, 10)], { length: 600, hold: true, signature: sign(body) });
    await until(() => budget.inUse === 600);
    // A second one that does not fit beside it: 503 busy, unread, nothing taken.
    expect(await send(port, [body], { length: 600 }).answered).toBe('VIGIL_ERR_WEBHOOK_BUSY');
    expect((await outcomes[1]!).outcome).toEqual({ code: 'VIGIL_ERR_WEBHOOK_BUSY', message: 'too many unverified body bytes in flight', retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS });
    expect(budget.inUse).toBe(600);
    first.request.end(body.subarray(10));
    expect(await first.answered).toBe('ok');
    expect((await outcomes[0]!).inUse).toBe(0);
  });

  it('a chunked body takes its budget as it arrives, and is refused busy when the next chunk does not fit', async () => {
    const budget = new BodyBudget(1000);
    const { port, outcomes } = await reader(budget);
    const chunks = [Buffer.alloc(400, 'a'), Buffer.alloc(400, 'b'), Buffer.alloc(400, 'c')];
    const held = send(port, chunks.slice(0, 1), { hold: true, signature: sign(Buffer.concat(chunks)) });
    await until(() => budget.inUse === 400);
    held.request.write(chunks[1]);
    await until(() => budget.inUse === 800);
    held.request.end(chunks[2]);
    expect(await held.answered).toBe('VIGIL_ERR_WEBHOOK_BUSY');
    expect(await outcomes[0]!).toMatchObject({ outcome: { code: 'VIGIL_ERR_WEBHOOK_BUSY', retryAfterSeconds: 5 }, inUse: 0 });
    // A chunked body that fits is read whole.
    const fits = [Buffer.alloc(500, 'd'), Buffer.alloc(500, 'e')];
    expect(await send(port, fits).answered).toBe('ok');
    expect(await outcomes[1]!).toEqual({ outcome: { bytes: Buffer.concat(fits), bodyDigest: expect.any(String) }, inUse: 0 });
  });

  it('a chunked body of GitHub\'s 25 MB is read; over it, refused too large as soon as it passes it', async () => {
    const budget = new BodyBudget(64 * 1024 * 1024);
    const { port, outcomes } = await reader(budget);
    const big = Buffer.alloc(WEBHOOK_BODY_LIMIT, '{');
    expect(await send(port, [big.subarray(0, 1024), big.subarray(1024)]).answered).toBe('ok');
    const read = (await outcomes.shift()!).outcome as SignedBody;
    expect(read.bytes.length).toBe(WEBHOOK_BODY_LIMIT);
    const sent = send(port, [big, Buffer.from('}')]);
    expect(await sent.answered).toBe('VIGIL_ERR_WEBHOOK_TOO_LARGE');
    expect(await outcomes[0]!).toEqual({
      outcome: { code: 'VIGIL_ERR_WEBHOOK_TOO_LARGE', message: `the body is over ${WEBHOOK_BODY_LIMIT} bytes`, reason: 'too_large' },
      inUse: 0,
    });
  });

  it('an empty chunked body, and a body whose signature does not match, are refused with their reasons', async () => {
    const budget = new BodyBudget(1000);
    const { port, outcomes } = await reader(budget);
    expect(await send(port, []).answered).toBe('VIGIL_ERR_WEBHOOK_BODY');
    expect((await outcomes[0]!).outcome).toEqual({ code: 'VIGIL_ERR_WEBHOOK_BODY', message: 'the body is empty', reason: 'empty' });
    const body = Buffer.from('{"a":1}');
    expect(await send(port, [body], { signature: sign(Buffer.from('{"a":2}')) }).answered).toBe('VIGIL_ERR_SIGNATURE');
    expect(await outcomes[1]!).toEqual({ outcome: { code: 'VIGIL_ERR_SIGNATURE', message: 'X-Hub-Signature-256', reason: 'signature' }, inUse: 0 });
  });

  it('a body that does not arrive in time is refused with what came of what was declared, and its budget given back', async () => {
    const budget = new BodyBudget(1000);
    const { port, outcomes } = await reader(budget, 150);
    const late = send(port, [Buffer.from('{"a"')], { length: 100, hold: true });
    expect(await late.answered).toBe('VIGIL_ERR_WEBHOOK_TIMEOUT');
    expect(await outcomes[0]!).toEqual({ outcome: { code: 'VIGIL_ERR_WEBHOOK_TIMEOUT', message: '4 of 100 bytes in 150 ms' }, inUse: 0 });
    late.request.destroy();
    const chunked = send(port, [Buffer.from('{"a"')], { hold: true });
    expect(await chunked.answered).toBe('VIGIL_ERR_WEBHOOK_TIMEOUT');
    expect((await outcomes[1]!).outcome).toMatchObject({ message: '4 of a chunked body of bytes in 150 ms' });
    chunked.request.destroy();
  });

  it('what a refused chunked body still sends is discarded: it takes no budget and is never kept', async () => {
    const budget = new BodyBudget(1000);
    // Not answered: the connection stays open, so the sender's later chunks reach the server.
    let outcome: Outcome | undefined;
    let after = 0;
    const server = http.createServer((req) => {
      void readSignedBody(req, { length: undefined, budget, timeoutMs: 5000, signer: new BodySigner([SECRET]), signature: sign(Buffer.from('x')) }).then((o) => {
        outcome = o;
        // The bytes that arrive once it is refused, seen beside the reader's own listener.
        req.on('data', (c: Buffer) => (after += c.length));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
    const { request } = send((server.address() as AddressInfo).port, [Buffer.alloc(600, 'a')], { hold: true });
    await until(() => budget.inUse === 600);
    request.write(Buffer.alloc(600, 'b'));
    await until(() => outcome !== undefined);
    expect(outcome).toMatchObject({ code: 'VIGIL_ERR_WEBHOOK_BUSY' });
    expect(budget.inUse).toBe(0);
    // Each later chunk fits the budget now: a reader still listening would take it, and never give it back.
    for (const fill of ['c', 'd', 'e']) request.write(Buffer.alloc(300, fill));
    await until(() => after === 900);
    expect(budget.inUse).toBe(0);
    request.destroy();
  });

  it('a client that leaves is gone, and its budget given back', async () => {
    const budget = new BodyBudget(1000);
    const { port, outcomes } = await reader(budget);
    const leaving = send(port, [Buffer.from('{"a"')], { length: 100, hold: true });
    await until(() => budget.inUse === 100);
    leaving.request.destroy();
    expect(await outcomes[0]!).toEqual({ outcome: 'gone', inUse: 0 });
  });
});

describe('BodyBudget', () => {
  it('takes up to its limit exactly, gives back, and never counts below zero', () => {
    const budget = new BodyBudget(100);
    expect(budget.tryTake(60)).toBe(true);
    expect(budget.tryTake(41)).toBe(false);
    expect(budget.inUse).toBe(60);
    expect(budget.tryTake(40)).toBe(true);
    expect(budget.inUse).toBe(100);
    expect(budget.tryTake(0)).toBe(true);
    expect(budget.tryTake(1)).toBe(false);
    budget.give(30);
    expect(budget.inUse).toBe(70);
    budget.give(500);
    expect(budget.inUse).toBe(0);
    expect(budget.tryTake(100)).toBe(true);
  });
});

/** Polls a condition the server side reaches on its own (a chunk read); no fixed sleep. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 2));
  expect(condition()).toBe(true);
}

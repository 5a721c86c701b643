import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { logEntries, waitFor } from '../helpers/home.js';
import { useWebhookDaemon } from '../helpers/webhooks.js';
import { deliveryHeaders, signBytes, wirePost } from './intake-wire.js';

// Issue 12: the signature was checked over the decoded text, so two byte sequences that
// decode alike passed with one signature. It must hold over the exact bytes.

const shared = useWebhookDaemon();

const json = (inner: Buffer) => Buffer.concat([Buffer.from('{"action":"opened","issue":{"number":5,"title":"'), inner, Buffer.from('"}}')]);

/** Bodies whose bytes differ from the UTF-8 of the text they decode to. */
const TRICKS: [string, Buffer][] = [
  ['an invalid byte (0xFF decodes to U+FFFD)', json(Buffer.from([0x61, 0xff, 0x31]))],
  ['an overlong "/" (C0 AF)', json(Buffer.from([0x61, 0xc0, 0xaf, 0x32]))],
  ['a lone surrogate (ED A0 80)', json(Buffer.from([0x61, 0xed, 0xa0, 0x80, 0x33]))],
  ['a truncated sequence (E2 82)', json(Buffer.from([0x61, 0xe2, 0x82, 0x34]))],
];

describe('the webhook signature covers the exact bytes', () => {
  it.each(TRICKS)('a body with %s, signed over the bytes of its decoded text, is 401', async (_what, sent) => {
    const decoded = Buffer.from(sent.toString('utf8'), 'utf8');
    expect(decoded.equals(sent)).toBe(false);
    const signature = signBytes(shared.secret, decoded);
    const forged = await wirePost(shared.daemon.url, { headers: deliveryHeaders(sent.length, signature), body: sent });
    expect(forged.status).toBe(401);
    expect(JSON.parse(forged.body).code).toBe('VIGIL_ERR_SIGNATURE');
    // The signature itself is right: over the bytes it was made for, it passes.
    const honest = await wirePost(shared.daemon.url, { headers: deliveryHeaders(decoded.length, signature), body: decoded });
    expect(honest.status).toBe(202);
  });

  it('a byte-order mark in front of a signed body is 401; signed with it, it is verified and then refused as not JSON', async () => {
    const body = json(Buffer.from('bom'));
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]);
    const a = await wirePost(shared.daemon.url, { headers: deliveryHeaders(withBom.length, signBytes(shared.secret, body)), body: withBom });
    expect(a.status).toBe(401);
    const b = await wirePost(shared.daemon.url, { headers: deliveryHeaders(withBom.length, signBytes(shared.secret, withBom)), body: withBom });
    expect(b.status).toBe(400);
    expect(JSON.parse(b.body).code).toBe('VIGIL_ERR_WEBHOOK_BODY');
  });

  it('a signed body that is not UTF-8 is refused 400 and stored nowhere', async () => {
    const sent = TRICKS[0]![1];
    const deliveryId = crypto.randomUUID();
    const a = await wirePost(shared.daemon.url, { headers: deliveryHeaders(sent.length, signBytes(shared.secret, sent), { 'x-github-delivery': deliveryId }), body: sent });
    expect(a.status).toBe(400);
    expect(JSON.parse(a.body).code).toBe('VIGIL_ERR_WEBHOOK_BODY');
    await waitFor(() => logEntries(shared.home).some((e) => e.type === 'event.received'), 5000, 'the honest deliveries logged');
    expect(logEntries(shared.home).some((e) => e.deliveryId === deliveryId)).toBe(false);
  });

  it('a chunked body is verified the same way', async () => {
    const body = json(Buffer.from('chunked'));
    const headers = deliveryHeaders(0, signBytes(shared.secret, body));
    delete headers['content-length'];
    headers['transfer-encoding'] = 'chunked';
    const chunked = Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]);
    const ok = await wirePost(shared.daemon.url, { headers, body: chunked });
    expect(ok.status).toBe(202);
    const other = json(Buffer.from('chunkeD'));
    const tampered = Buffer.concat([Buffer.from(`${other.length.toString(16)}\r\n`), other, Buffer.from('\r\n0\r\n\r\n')]);
    const bad = await wirePost(shared.daemon.url, { headers: { ...headers, 'x-github-delivery': crypto.randomUUID() }, body: tampered });
    expect(bad.status).toBe(401);
  });
});

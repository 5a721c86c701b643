import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killDaemons, makeHome, removeHomes, startDaemon, type RunningDaemon } from '../helpers/home.js';
import { packagesOf, tracePackages } from '../helpers/packages.js';
import { webhookSecret } from '../helpers/webhooks.js';
import { dashboardToken } from './helpers.js';

/**
 * Issue 18: the CLI's Bearer requests are answered on Node's own server, so that `vigil
 * status` does not load fastify into an idle daemon (~10 MB of its RSS). They must get
 * what fastify gave them. With `http.trustProxy` every request still goes to fastify
 * (only it reads the proxy's word on the client's address), so two daemons — one of
 * each — are asked the same things, and their answers compared: status, error code,
 * the security headers, the login limits, the redaction of what an answer echoes. The
 * package trace shows the front really answered: its daemon never loaded fastify.
 */
const SECURITY_HEADERS = [
  'content-security-policy',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'origin-agent-cluster',
  'referrer-policy',
  'strict-transport-security',
  'x-content-type-options',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-frame-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
];

interface Target {
  name: 'front' | 'fastify';
  home: string;
  daemon: RunningDaemon;
  token: string;
}

interface Answer {
  status: number;
  code: unknown;
  keys: string[];
  headers: Record<string, string | null>;
  text: string;
}

const daemons: RunningDaemon[] = [];
let front: Target;
let app: Target;
let trace: string;

beforeAll(async () => {
  const frontHome = makeHome();
  const traced = tracePackages(frontHome);
  trace = traced.trace;
  const frontDaemon = await startDaemon(frontHome, traced.env);
  daemons.push(frontDaemon);
  front = { name: 'front', home: frontHome, daemon: frontDaemon, token: dashboardToken(frontHome) };
  const appHome = makeHome({ http: { trustProxy: true } });
  const appDaemon = await startDaemon(appHome);
  daemons.push(appDaemon);
  app = { name: 'fastify', home: appHome, daemon: appDaemon, token: dashboardToken(appHome) };
}, 30_000);

afterAll(async () => {
  await killDaemons(daemons);
  removeHomes();
});

async function ask(target: Target, path: string, init: RequestInit & { token?: string | null } = {}): Promise<Answer> {
  const { token = target.token, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (token !== null) headers.set('authorization', `Bearer ${token}`);
  const res = await fetch(`${target.daemon.url}${path}`, { ...rest, headers });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const object = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  return {
    status: res.status,
    code: object.code,
    keys: Object.keys(object).sort(),
    headers: Object.fromEntries([...SECURITY_HEADERS, 'content-type', 'www-authenticate', 'retry-after'].map((h) => [h, res.headers.get(h)])),
    text,
  };
}

/** The same request to both daemons: equal status, code, body keys and headers. */
async function same(path: string, init: RequestInit & { token?: string | null } = {}): Promise<Answer> {
  const [a, b] = [await ask(front, path, init), await ask(app, path, init)];
  const view = ({ status, code, keys, headers }: Answer) => ({ status, code, keys, headers });
  expect(view(a), `${init.method ?? 'GET'} ${path}`).toEqual(view(b));
  return a;
}

describe.runIf(process.platform === 'linux')("the CLI's API on Node's own server", () => {
  it('answers like the fastify app: routes, errors, bodies and security headers', async () => {
    const status = await same('/api/status');
    expect(status.status).toBe(200);
    expect(status.headers['content-security-policy']).toContain("default-src 'self'");
    expect(status.headers['strict-transport-security']).toBeNull();
    expect(status.keys).toContain('actions');

    // `vigil dream`'s state and gate (a team's home asks its node; a single daemon answers it too): nothing dreamt, nothing due.
    const dream = await same('/api/dream');
    expect(dream.status).toBe(200);
    expect(JSON.parse(dream.text)).toMatchObject({ lastDreamId: null, readUpTo: null, verdict: { due: false, reason: expect.any(String) } });

    expect((await same('/api/approvals')).text).toBe('[]');
    expect((await same('/api/memory/search?q=nothing%20here&limit=5')).keys).toEqual(['complete', 'hits']);
    expect((await same('/api/memory/search')).code).toBe('VIGIL_ERR_USAGE');
    expect((await same('/api/memory/search?q=x&limit=0')).code).toBe('VIGIL_ERR_USAGE');
    expect((await same('/api/memory/search?q=a&q=b')).code).toBe('VIGIL_ERR_USAGE');

    expect((await same('/api/approvals/nosuch/approve', { method: 'POST' })).code).toBe('VIGIL_ERR_APPROVAL_NOT_FOUND');
    expect((await same('/api/approvals/nosuch/maybe', { method: 'POST' })).code).toBe('VIGIL_ERR_NOT_FOUND');
    expect((await same('/api/approvals/%E0%A4%A/approve', { method: 'POST' })).status).toBe(400);
    expect((await same('/api/actions/nosuch/cancel', { method: 'POST' })).code).toBe('VIGIL_ERR_APPROVAL_NOT_FOUND');

    const json = { 'content-type': 'application/json' };
    expect((await same('/api/ask', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<text/>' })).code).toBe('VIGIL_ERR_MEDIA_TYPE');
    expect((await same('/api/ask', { method: 'POST', headers: json, body: '{"text":' })).code).toBe('VIGIL_ERR_BAD_REQUEST');
    expect((await same('/api/ask', { method: 'POST', headers: json, body: JSON.stringify({ text: 'x'.repeat(1 << 20) }) })).code).toBe('VIGIL_ERR_BODY_TOO_LARGE');
  }, 60_000);

  it('redacts a secret that an answer would echo', async () => {
    for (const target of [front, app]) {
      const secret = webhookSecret(target.home);
      const answer = await ask(target, `/api/actions/${encodeURIComponent(secret)}/cancel`, { method: 'POST' });
      expect([answer.status, answer.code]).toEqual([404, 'VIGIL_ERR_APPROVAL_NOT_FOUND']);
      expect(answer.text, target.name).not.toContain(secret);
      expect(answer.text, target.name).toContain('[redacted]');
    }
  });

  it('never loaded fastify into the daemon that answered all of it on the front', () => {
    const loaded = packagesOf(trace, front.daemon.pid);
    expect(loaded).toContain('helmet');
    expect(loaded).not.toContain('fastify');
  });

  it('leaves every other route to fastify: the dashboard, unknown paths', async () => {
    expect((await same('/api/nosuch')).code).toBe('VIGIL_ERR_NOT_FOUND');
    expect((await same('/api/status/')).code).toBe('VIGIL_ERR_NOT_FOUND');
    expect(packagesOf(trace, front.daemon.pid)).toContain('fastify');
  });

  it('counts a wrong token against the login limits and refuses with the same headers', async () => {
    const wrong = await same('/api/status', { token: 'not-the-token' });
    expect([wrong.status, wrong.code, wrong.headers['www-authenticate']]).toEqual([401, 'VIGIL_ERR_UNAUTHORISED', 'Bearer']);
    for (let i = 0; i < 9; i++) await same('/api/approvals', { token: `wrong-${i}` });
    // Ten failures from one address: the next attempt is refused before its token is compared, even the right one.
    const limited = await same('/api/status');
    expect([limited.status, limited.code]).toEqual([429, 'VIGIL_ERR_LOGIN_LIMIT']);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('cuts a refused sender that never stops sending once it had a while to read the answer', async () => {
    // A Bearer refused (the address is over its limit by now, or the token is wrong): the
    // body is never read, only discarded as it comes — and not for ever.
    const { port } = new URL(front.daemon.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer not-the-token\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
    const started = Date.now();
    const chunk = `400\r\n${'x'.repeat(0x400)}\r\n`;
    const sending = setInterval(() => {
      if (!socket.destroyed) socket.write(chunk);
    }, 20);
    try {
      const cutAt = await Promise.race([closed, new Promise<number>((resolve) => setTimeout(() => resolve(-1), 15_000))]);
      expect(received).toMatch(/^HTTP\/1\.1 (401|429) /);
      expect(cutAt, 'the connection was still open after 15 s of sending').toBeGreaterThan(0);
      expect(cutAt - started).toBeLessThan(8_000);
    } finally {
      clearInterval(sending);
      socket.destroy();
    }
  }, 30_000);
});

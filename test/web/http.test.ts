import { afterEach, describe, expect, it } from 'vitest';
import { postDelivery, webhookSecret } from '../helpers/webhooks.js';
import { logEntries, makeHome, removeHomes, runCli, startDaemon, waitFor, type RunningDaemon, killDaemons } from '../helpers/home.js';
import { dashboardToken, login } from './helpers.js';

const daemons: RunningDaemon[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  removeHomes();
});

const ASK_ON_TICK = {
  rules: [{ on: 'tick', propose: { action: 'memory.note', params: { text: 'noted on a tick' } } }],
  permissions: { mode: 'suggest', rules: [] },
};

async function daemonFor(config: Record<string, unknown> = ASK_ON_TICK) {
  const home = makeHome(config);
  const daemon = await startDaemon(home);
  daemons.push(daemon);
  return { home, url: daemon.url, token: dashboardToken(home) };
}

const SUBSCRIPTION = {
  endpoint: 'https://push.example.net/send/abc123',
  expirationTime: null,
  keys: { p256dh: Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 7)]).toString('base64url'), auth: Buffer.alloc(16, 9).toString('base64url') },
};

describe('dashboard login and sessions', () => {
  it('/login has one field for the token; a wrong token does not log in; the right one sets an HttpOnly SameSite=Strict cookie', async () => {
    const { home, url, token } = await daemonFor();
    const page = await (await fetch(`${url}/login`)).text();
    expect(page.match(/<input /g)).toHaveLength(1);
    expect(page).toMatch(/<input id="token" name="token" type="password"/);

    const wrong = await fetch(`${url}/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=not-the-token' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect(await wrong.text()).toContain('That token is not right.');
    expect((await fetch(`${url}/`, { redirect: 'manual' })).headers.get('location')).toBe('/login');

    const { cookie, setCookie } = await login(url, token);
    expect(setCookie).toMatch(/^vigil_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=2592000$/);
    const dashboard = await fetch(`${url}/`, { headers: { cookie }, redirect: 'manual' });
    expect(dashboard.status).toBe(200);
    expect(logEntries(home).map((e) => e.type)).toEqual(expect.arrayContaining(['web.login_failed', 'web.login']));
  });

  it('behind a TLS reverse proxy on this machine the cookie is Secure', async () => {
    const { url, token } = await daemonFor();
    const res = await fetch(`${url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-proto': 'https' },
      body: new URLSearchParams({ token }).toString(),
    });
    expect(res.headers.get('set-cookie')).toMatch(/; Secure$/);
  });

  it('logout ends the session', async () => {
    const { url, token } = await daemonFor();
    const { cookie, csrf } = await login(url, token);
    const out = await fetch(`${url}/logout`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${csrf}` });
    expect(out.status).toBe(303);
    expect((await fetch(`${url}/`, { headers: { cookie }, redirect: 'manual' })).status).toBe(303);
  });

  it('failed logins are rate-limited', async () => {
    const { url, token } = await daemonFor();
    const attempt = (t: string) =>
      fetch(`${url}/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${t}` });
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await attempt(`guess-${i}`)).status);
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses[10]).toBe(429);
    // Even the right token waits out the window.
    expect((await attempt(token)).status).toBe(429);
  });
});

describe('the API: Bearer for the CLI, the session (+ CSRF) for browsers', () => {
  it('GET /api/approvals answers to the Bearer token and to a session, and to nothing else', async () => {
    const { home, url, token } = await daemonFor();
    expect(runCli(home, ['tick']).status).toBe(0);
    const requested = await waitFor(() => logEntries(home).find((e) => e.type === 'approval.requested'), 10_000, 'approval');
    const bearer = await fetch(`${url}/api/approvals`, { headers: { authorization: `Bearer ${token}` } });
    const list = (await bearer.json()) as Record<string, unknown>[];
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: requested.actionId, action: 'memory.note', params: { text: 'noted on a tick' }, expiresAt: requested.expiresAt });

    const { cookie } = await login(url, token);
    expect(await (await fetch(`${url}/api/approvals`, { headers: { cookie } })).json()).toEqual(list);
    expect((await fetch(`${url}/api/approvals`)).status).toBe(401);
    expect((await fetch(`${url}/api/approvals`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    // The dashboard shows it with Approve and Deny.
    const page = await (await fetch(`${url}/`, { headers: { cookie } })).text();
    expect(page).toContain(`id="approval-${requested.actionId}"`);
    expect(page).toMatch(/<button class="approve" type="submit" name="answer" value="approve" data-answer="approve">Approve<\/button><button class="deny" type="submit" name="answer" value="deny" data-answer="deny">Deny<\/button>/);
  });

  it('a state-changing request with the session but without the CSRF token is refused', async () => {
    const { home, url, token } = await daemonFor();
    expect(runCli(home, ['tick']).status).toBe(0);
    const requested = await waitFor(() => logEntries(home).find((e) => e.type === 'approval.requested'), 10_000, 'approval');
    const { cookie, csrf } = await login(url, token);
    const forged = await fetch(`${url}/api/approvals/${requested.actionId}/approve`, { method: 'POST', headers: { cookie } });
    expect(forged.status).toBe(403);
    expect(await forged.json()).toMatchObject({ code: 'VIGIL_ERR_CSRF' });
    const wrong = await fetch(`${url}/api/approvals/${requested.actionId}/approve`, { method: 'POST', headers: { cookie, 'x-csrf-token': 'x'.repeat(32) } });
    expect(wrong.status).toBe(403);
    expect(JSON.parse(runCli(home, ['approvals', '--json']).stdout)).toHaveLength(1);

    const real = await fetch(`${url}/api/approvals/${requested.actionId}/approve`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf } });
    expect(await real.json()).toEqual({ id: requested.actionId, state: 'approved' });
    expect(logEntries(home).find((e) => e.type === 'approval.granted')).toMatchObject({ by: 'dashboard' });
  });

  it('POST /api/push/subscriptions: 201 with Bearer or session+CSRF; 403 without CSRF; 400 for a bad body', async () => {
    const { home, url, token } = await daemonFor();
    const post = (headers: Record<string, string>, body: unknown) =>
      fetch(`${url}/api/push/subscriptions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    expect((await post({ authorization: `Bearer ${token}` }, SUBSCRIPTION)).status).toBe(201);
    const { cookie, csrf } = await login(url, token);
    expect((await post({ cookie }, SUBSCRIPTION)).status).toBe(403);
    const again = await post({ cookie, 'x-csrf-token': csrf }, { ...SUBSCRIPTION, endpoint: 'https://push.example.net/send/def456' });
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual({ subscriptions: 2 });
    const bad = await post({ authorization: `Bearer ${token}` }, { ...SUBSCRIPTION, keys: { p256dh: 'short', auth: SUBSCRIPTION.keys.auth } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'VIGIL_ERR_PUSH_SUBSCRIPTION' });
    expect((await post({ authorization: `Bearer ${token}` }, { ...SUBSCRIPTION, endpoint: 'http://push.example.net/x' })).status).toBe(400);
    expect(logEntries(home).filter((e) => e.type === 'push.subscribed').map((e) => e.endpoint)).toEqual(['https://push.example.net', 'https://push.example.net']);
  });

  it('GET /api/events streams new log entries (server-sent events)', async () => {
    const { home, url, token } = await daemonFor();
    const controller = new AbortController();
    const res = await fetch(`${url}/api/events`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = res.body!.getReader();
    let text = '';
    const read = (async () => {
      while (!text.includes('event: entry\ndata: {"ts"') || !text.includes('"type":"approval.requested"')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString('utf8');
      }
    })();
    expect(runCli(home, ['tick']).status).toBe(0);
    await Promise.race([read, new Promise((_, reject) => setTimeout(() => reject(new Error(`no entry in: ${text}`)), 10_000))]);
    controller.abort();
    const entry = text.split('\n').find((l) => l.includes('approval.requested'))!;
    expect(JSON.parse(entry.slice('data: '.length))).toMatchObject({ type: 'approval.requested', text: expect.stringContaining('approval.requested') });
  });
});

describe('headers, assets and what stays outside the login', () => {
  it('security headers on every page; a manifest with display: standalone; the service worker at the root', async () => {
    const { url } = await daemonFor();
    // Nobody set a host: only this machine can reach the dashboard.
    expect(new URL(url).hostname).toBe('127.0.0.1');
    const res = await fetch(`${url}/login`);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'.*script-src 'self'/);
    expect(res.headers.get('content-security-policy')).not.toMatch(/upgrade-insecure-requests/);
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const manifest = (await (await fetch(`${url}/manifest.webmanifest`)).json()) as { display: string; start_url: string; icons: { src: string }[] };
    expect(manifest).toMatchObject({ display: 'standalone', start_url: '/' });
    for (const icon of manifest.icons) {
      const png = Buffer.from(await (await fetch(`${url}${icon.src}`)).arrayBuffer());
      expect(png.subarray(1, 4).toString()).toBe('PNG');
    }
    const sw = await fetch(`${url}/sw.js`);
    expect(sw.headers.get('content-type')).toMatch(/javascript/);
    expect(sw.headers.get('service-worker-allowed')).toBe('/');
    expect(await sw.text()).toContain("{ action: 'approve', title: 'Approve' }");
  });

  it('/webhooks/github needs no login (its signature guards it) and /healthz stays open', async () => {
    const { home, url } = await daemonFor();
    const body = JSON.stringify({ action: 'opened', issue: { number: 1, title: 't' }, repository: { full_name: 'octo/app' } });
    expect((await postDelivery(url, webhookSecret(home), body, { event: 'issues', deliveryId: '0000deb0-0001' })).status).toBe(202);
    expect((await postDelivery(url, 'wrong-secret-wrong-secret', body, { event: 'issues', deliveryId: '0000deb0-0002' })).status).toBe(401);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('the webhook route, answered before the app, takes only POST on its exact path; its refusals carry the one error body', async () => {
    const { home, url } = await daemonFor();
    const body = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
    const unsigned = await fetch(`${url}/webhooks/github?proxy=nope`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': '0000deb0-0003' }, body });
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toMatchObject({ code: expect.stringMatching(/^VIGIL_ERR_/), message: expect.any(String) });
    for (const [method, path] of [['GET', '/webhooks/github'], ['POST', '/webhooks/github/'], ['POST', '/webhooks/githubx']] as const) {
      const other = await fetch(`${url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: method === 'POST' ? body : undefined });
      expect(other.status, `${method} ${path}`).toBe(404);
      expect(await other.json()).toMatchObject({ code: 'VIGIL_ERR_NOT_FOUND' });
    }
    const signed = await postDelivery(url, webhookSecret(home), body, { event: 'ping', deliveryId: '0000deb0-0004' });
    expect(signed.status).toBe(202);
    expect(signed.body).toMatchObject({ status: 'stored', eventId: expect.any(Number), kind: 'github.ping' });
  });
});

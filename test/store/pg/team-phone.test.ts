/**
 * Approving from a phone on a team (issue 19), as real processes on a real cluster: two
 * nodes with one secrets.json share the login sessions and the push subscriptions in
 * PostgreSQL. A phone logs in through one node (the /login form, a real cookie) and
 * subscribes with its session and CSRF token; the same session works on the other node.
 * An ask reaches the phone once across both nodes' workers through the real `web-push`
 * (the fake push service checks the VAPID JWT and really decrypts), and the Approve
 * token it carries, posted to the other node, approves: the fake GitHub (the real
 * Octokit) gets the comment once. A subscription the push service says is gone (410)
 * is removed for every node.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openPgPool, verifyPgLog } from '../../../src/store/pg/index.js';
import { FakeGithub } from '../../github/fake-github.js';
import { REPO, TOKEN } from '../../github/helpers.js';
import { killDaemons, makeHome, removeHomes, runCli, sleep, startDaemon, type RunningDaemon } from '../../helpers/home.js';
import { postgresAvailability, useFreshDatabase, usePostgres } from '../../helpers/postgres.js';
import { postDelivery, webhookSecret } from '../../helpers/webhooks.js';
import { FakePushService } from '../../notify/fake-push.js';
import { issueOpened, waitFor } from './team-helpers.js';
import { TEST_NOTIFICATION } from '../../../src/notify/notices.js';

const PG = postgresAvailability();

const RULES = [{ name: 'comment', on: 'github.issues.opened', propose: { action: 'github.comment', params: { repo: REPO, number: '{{payload.issue.number}}', body: 'Seen by the team.' } } }];
const PERMISSIONS = { mode: 'auto', rules: [{ action: 'github.comment', repo: 'octo/*', decision: 'ask' }] };

interface Secrets {
  dashboardToken: string;
  vapid: { publicKey: string };
}

interface ApprovalPush {
  title: string;
  body: string;
  approval: { id: string; approveToken: string; denyToken: string };
}

describe.runIf(PG.available)('a phone on a team: login, push page and subscriptions in PostgreSQL, web push once across nodes (real processes)', () => {
  const cluster = usePostgres('team_phone');
  const db = useFreshDatabase(cluster, 'phone');
  const daemons: RunningDaemon[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  let push: FakePushService;
  beforeAll(async () => {
    push = await FakePushService.start();
  });
  afterAll(async () => {
    await push.close();
  });
  afterEach(async () => {
    await killDaemons(daemons);
    await Promise.all(cleanups.splice(0).map((c) => c()));
    removeHomes();
  });

  const waitUntil = (probe: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000) => waitFor(probe, what, timeoutMs);

  /** Two nodes on one database with one secrets.json (dashboard token, VAPID keys, capability key), as the README asks. */
  const team = async (env: NodeJS.ProcessEnv) => {
    const config = { store: { url: db.url, leaseSeconds: 5 }, rules: RULES, permissions: PERMISSIONS };
    const alphaHome = makeHome(config);
    const betaHome = makeHome(config);
    fs.copyFileSync(path.join(alphaHome, 'secrets.json'), path.join(betaHome, 'secrets.json'));
    const secrets = JSON.parse(fs.readFileSync(path.join(alphaHome, 'secrets.json'), 'utf8')) as Secrets;
    const extra = { ...env, NODE_EXTRA_CA_CERTS: push.caFile };
    const alpha = await startDaemon(alphaHome, extra, 90_000, ['--node', 'alpha']);
    daemons.push(alpha);
    const beta = await startDaemon(betaHome, extra, 90_000, ['--node', 'beta']);
    daemons.push(beta);
    return { alpha: { home: alphaHome, url: alpha.url }, beta: { home: betaHome, url: beta.url }, secrets };
  };

  const lines = async (type: string) =>
    (await db.sql<{ node: string; line: string }>('SELECT node, line FROM log_entries WHERE type = $1 ORDER BY ts, node, seq', [type])).rows.map(
      (r): Record<string, unknown> & { node: string } => ({ ...(JSON.parse(r.line) as Record<string, unknown>), node: r.node }),
    );

  /** The /login form as a browser posts it; the cookie it sets. */
  const login = async (url: string, token: string) => {
    const res = await fetch(`${url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
    });
    return { status: res.status, location: res.headers.get('location'), setCookie: res.headers.get('set-cookie') ?? '' };
  };

  const subscribe = (url: string, headers: Record<string, string>, body: unknown) =>
    fetch(`${url}/api/push/subscriptions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('log in through alpha, subscribe with session + CSRF, the session holds on beta; an ask is pushed once and its Approve, posted to beta, approves; a 410 removes its subscription', async () => {
    const github = await new FakeGithub({ tokens: [TOKEN] }).start();
    cleanups.push(() => github.stop());
    github.addIssue(REPO, { number: 7 });
    const { alpha, beta, secrets } = await team({ GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github.url });

    // The login form on a node, a wrong token refused, the right one a session cookie.
    const form = await fetch(`${alpha.url}/login`);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('name="token"');
    expect((await login(alpha.url, 'not-the-token-at-all')).status).toBe(401);
    const loggedIn = await login(alpha.url, secrets.dashboardToken);
    expect(loggedIn.status).toBe(303);
    expect(loggedIn.setCookie).toMatch(/^vigil_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=2592000$/);
    const cookie = loggedIn.setCookie.split(';')[0]!;
    // Only a hash of the session id is in the database.
    const stored = (await db.sql<{ id_hash: string }>('SELECT id_hash FROM web_sessions')).rows;
    expect(stored).toEqual([{ id_hash: crypto.createHash('sha256').update(cookie.split('=')[1]!).digest('hex') }]);
    // Where the login lands (`/`) is the team page on a node.
    const home = await fetch(`${beta.url}${loggedIn.location}`, { headers: { cookie }, redirect: 'manual' });
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('<title>Team · vigil</title>');

    // The push page on beta, with the session alpha gave: the node's VAPID key, the session's CSRF token, the links of what a node serves.
    const page = await fetch(`${beta.url}/push`, { headers: { cookie }, redirect: 'manual' });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`<meta name="vapid-key" content="${secrets.vapid.publicKey}">`);
    const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(html)?.[1] ?? '';
    expect(csrf).not.toBe('');
    expect(html).toContain('<a href="/tasks">Tasks</a>');
    // The test button: a node serves POST /api/push/test too.
    expect(html).toContain('id="push-test"');
    // Without a session the page sends the browser to /login.
    const anonymous = await fetch(`${beta.url}/push`, { redirect: 'manual' });
    expect([anonymous.status, anonymous.headers.get('location')]).toEqual([303, '/login']);

    // The phone subscribes through alpha with its session and CSRF token.
    const phone = push.subscribe('owner-phone');
    const created = await subscribe(alpha.url, { cookie, 'x-csrf-token': csrf, 'user-agent': 'PhoneBrowser/1' }, { ...phone, expirationTime: null });
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ subscriptions: 1 });
    // A second device, by the CLI's Bearer token on beta; the push service will say it is gone.
    const tablet = push.subscribe('old-tablet');
    push.script('old-tablet', { status: 410 });
    const second = await subscribe(beta.url, { authorization: `Bearer ${secrets.dashboardToken}` }, tablet);
    expect(second.status).toBe(201);
    expect(await second.json()).toEqual({ subscriptions: 2 });
    const rows = (await db.sql<{ endpoint: string; node: string; user_agent: string | null }>('SELECT endpoint, node, user_agent FROM push_subscriptions ORDER BY node')).rows;
    expect(rows).toEqual([
      { endpoint: phone.endpoint, node: 'alpha', user_agent: 'PhoneBrowser/1' },
      { endpoint: tablet.endpoint, node: 'beta', user_agent: 'node' },
    ]);
    // Logged in each node's chain, the endpoint's origin only (its path is a credential).
    expect((await lines('push.subscribed')).map((l) => [l.node, l.endpoint, l.subscriptions])).toEqual([
      ['alpha', push.origin, 1],
      ['beta', push.origin, 2],
    ]);
    expect((await lines('web.login')).map((l) => l.node)).toEqual(['alpha']);

    // An ask: one notification to the phone, whichever node's worker sends it.
    expect((await postDelivery(alpha.url, webhookSecret(alpha.home), issueOpened(7), { event: 'issues', deliveryId: crypto.randomUUID() })).status).toBe(202);
    await push.waitFor(1, 60_000);
    await waitUntil(async () => (await lines('push.subscription_removed')).length === 1, 'the tablet removed');
    await sleep(2500);
    expect(push.messages).toHaveLength(1);
    const message = push.messages[0]!;
    expect(message.path).toBe('/push/owner-phone');
    // Signed with the team's VAPID key, which every node holds.
    expect(message.vapidKey).toBe(secrets.vapid.publicKey);
    const notification = JSON.parse(message.payload) as ApprovalPush;
    const action = (await db.sql<{ id: string; state: string }>('SELECT id, state FROM actions')).rows;
    expect(action).toEqual([{ id: notification.approval.id, state: 'awaiting_approval' }]);
    expect(notification.title).toBe('Approve github.comment?');
    expect(notification.body).toBe('octo/app#7: Seen by the team.\ncomment matches github.issues.opened');
    expect(await lines('notify.sent')).toEqual([expect.objectContaining({ channels: ['push'] })]);
    // The 410: gone for every node, logged by origin.
    expect((await db.sql('SELECT endpoint FROM push_subscriptions')).rows).toEqual([{ endpoint: phone.endpoint }]);
    expect((await lines('push.subscription_removed')).map((l) => [l.endpoint, l.status])).toEqual([[push.origin, 410]]);
    expect(github.calls('POST', /\/comments$/)).toHaveLength(0);
    // `vigil status` on either home counts the browsers web push reaches.
    const status = runCli(beta.home, ['status']);
    expect(status.stdout).toMatch(/^web push: 1 browser subscribed$/m);

    // The notification's Approve, as the service worker posts it, to the other node.
    const { id, approveToken } = notification.approval;
    const approved = await fetch(`${beta.url}/push/approvals/${id}/approve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: approveToken }) });
    expect(approved.status).toBe(200);
    expect(await approved.json()).toEqual({ id, state: 'approved' });
    await waitUntil(() => github.issue(REPO, 7)!.comments.length === 1, 'the approved comment');
    await sleep(1500);
    expect(github.calls('POST', /\/comments$/)).toHaveLength(1);
    expect(await lines('approval.granted')).toEqual([expect.objectContaining({ node: 'beta', actionId: id, by: 'push' })]);

    // Logging out through beta ends the session on alpha too.
    const out = await fetch(`${beta.url}/logout`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf }).toString() });
    expect([out.status, out.headers.get('location')]).toEqual([303, '/login']);
    expect((await db.sql('SELECT 1 FROM web_sessions')).rowCount).toBe(0);
    expect((await fetch(`${alpha.url}/push`, { headers: { cookie }, redirect: 'manual' })).status).toBe(303);

    const pool = openPgPool({ url: db.url, node: 'verifier', max: 1 });
    try {
      expect((await verifyPgLog(pool)).filter((c) => !c.ok)).toEqual([]);
    } finally {
      await pool.end();
    }
  }, 300_000);

  it('an ask that reached nobody is pushed once a browser subscribes; refused with the one error body: a wrong CSRF token, no session, an expired session, an http:// endpoint; the Tasks API asks the same login', async () => {
    const { alpha, beta, secrets } = await team({});
    const { setCookie } = await login(beta.url, secrets.dashboardToken);
    const cookie = setCookie.split(';')[0]!;
    const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(await (await fetch(`${alpha.url}/push`, { headers: { cookie } })).text())?.[1] ?? '';
    expect(csrf).not.toBe('');
    const phone = push.subscribe('refused-phone');
    // An ask while no browser is subscribed and no channel set up: it reaches nobody.
    expect((await postDelivery(alpha.url, webhookSecret(alpha.home), issueOpened(5), { event: 'issues', deliveryId: crypto.randomUUID() })).status).toBe(202);
    await waitUntil(async () => (await lines('notify.unreached')).length === 1, 'the ask unreached');
    const pushed = () => push.messages.filter((m) => m.path === '/push/refused-phone');

    const refusal = async (res: Response) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> });
    const body = (code: string) => ({ code, message: expect.any(String) });
    expect(await refusal(await subscribe(alpha.url, { cookie, 'x-csrf-token': `${csrf}x` }, phone))).toEqual({ status: 403, body: body('VIGIL_ERR_CSRF') });
    expect(await refusal(await subscribe(alpha.url, { cookie }, phone))).toEqual({ status: 403, body: body('VIGIL_ERR_CSRF') });
    expect(await refusal(await subscribe(alpha.url, {}, phone))).toEqual({ status: 401, body: body('VIGIL_ERR_UNAUTHORISED') });
    expect(await refusal(await subscribe(alpha.url, { cookie: 'vigil_session=forged', 'x-csrf-token': csrf }, phone))).toEqual({ status: 401, body: body('VIGIL_ERR_UNAUTHORISED') });
    const plain = { ...phone, endpoint: phone.endpoint.replace('https://', 'http://') };
    const http = await refusal(await subscribe(alpha.url, { cookie, 'x-csrf-token': csrf }, plain));
    expect(http).toEqual({ status: 400, body: body('VIGIL_ERR_PUSH_SUBSCRIPTION') });
    expect(http.body.message).toContain('https://');
    expect(await refusal(await subscribe(alpha.url, { authorization: 'Bearer wrong-token-here' }, phone))).toEqual({ status: 401, body: body('VIGIL_ERR_UNAUTHORISED') });
    // The database refuses an http:// endpoint by itself too.
    await expect(db.sql(`INSERT INTO push_subscriptions (endpoint, p256dh, auth, created_at, node) VALUES ('http://push.invalid/x', 'p', 'a', 0, 'sql')`)).rejects.toThrow(/check constraint/);
    expect((await db.sql('SELECT 1 FROM push_subscriptions')).rowCount).toBe(0);

    // Subscribed through beta: the ask that reached nobody is pushed now, once (as on SQLite, where it waited).
    expect(pushed()).toHaveLength(0);
    expect((await subscribe(beta.url, { cookie, 'x-csrf-token': csrf }, phone)).status).toBe(201);
    await waitUntil(() => pushed().length === 1, 'the late push');
    const waiting = (await db.sql<{ id: string }>(`SELECT id FROM actions WHERE state = 'awaiting_approval'`)).rows;
    expect((JSON.parse(pushed()[0]!.payload) as ApprovalPush).approval.id).toBe(waiting[0]!.id);
    // Unsubscribed through alpha, subscribed again: nothing is asked a third time.
    const unsubscribe = () =>
      fetch(`${alpha.url}/api/push/subscriptions`, { method: 'DELETE', headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: JSON.stringify({ endpoint: phone.endpoint }) });
    expect(await (await unsubscribe()).json()).toEqual({ removed: true });
    expect(await (await unsubscribe()).json()).toEqual({ removed: false });
    expect((await subscribe(beta.url, { cookie, 'x-csrf-token': csrf }, phone)).status).toBe(201);

    // The session expires (its row says so, as 30 days would): refused on both nodes.
    await db.sql('UPDATE web_sessions SET expires_at = $1', [Date.now() - 1000]);
    for (const url of [alpha.url, beta.url]) {
      expect(await refusal(await subscribe(url, { cookie, 'x-csrf-token': csrf }, phone))).toEqual({ status: 401, body: body('VIGIL_ERR_UNAUTHORISED') });
      expect((await fetch(`${url}/push`, { headers: { cookie }, redirect: 'manual' })).status).toBe(303);
    }
    // Nothing was logged for the refusals: a line per subscription taken.
    expect((await lines('push.subscribed')).map((l) => [l.node, l.subscriptions])).toEqual([['beta', 1], ['beta', 1]]);
    await sleep(2000);
    expect(pushed()).toHaveLength(1);
    expect((await lines('notify.sent')).map((l) => l.channels)).toEqual([['push']]);

    // The push page's test button (here a script's Bearer) on alpha: sent by a node's worker to the phone, and what came of it said.
    const tested = await fetch(`${alpha.url}/api/push/test`, { method: 'POST', headers: { authorization: `Bearer ${secrets.dashboardToken}` } });
    expect(tested.status).toBe(200);
    expect(await tested.json()).toMatchObject({ delivered: ['push'], failed: [], message: 'Delivered to push.', subscriptions: 1 });
    expect(pushed()).toHaveLength(2);
    expect((JSON.parse(pushed()[1]!.payload) as { title: string }).title).toBe(TEST_NOTIFICATION.title);
    expect((await db.sql<{ key: string }>('SELECT key FROM notify_tests')).rows).toHaveLength(1);

    // The Tasks page's API asks the same login: refused with the one error body without it, answered to the owner's token.
    for (const route of ['/api/tasks/stream', '/api/tasks']) {
      expect(await refusal(await fetch(`${alpha.url}${route}`))).toEqual({ status: 401, body: body('VIGIL_ERR_UNAUTHORISED') });
    }
    const tasks = await fetch(`${alpha.url}/api/tasks`, { headers: { authorization: `Bearer ${secrets.dashboardToken}` } });
    expect([tasks.status, await tasks.json()]).toEqual([200, { tasks: [] }]);
  }, 300_000);

  it('the login limits hold across nodes: ten wrong tokens through alpha, and beta refuses even the right one, form and Bearer alike', async () => {
    const { alpha, beta, secrets } = await team({});
    expect((await login(beta.url, secrets.dashboardToken)).status).toBe(303);
    for (let i = 0; i < 10; i++) expect((await login(alpha.url, `not-the-token-${i}`)).status).toBe(401);
    // Ten failures from this address on the team: the next try on any node is refused before its token is compared.
    expect((await login(beta.url, secrets.dashboardToken)).status).toBe(429);
    const bearer = await subscribe(beta.url, { authorization: `Bearer ${secrets.dashboardToken}` }, push.subscribe('limited'));
    expect(bearer.status).toBe(429);
    expect(Number(bearer.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await bearer.json()) as { code: string }).toMatchObject({ code: 'VIGIL_ERR_LOGIN_LIMIT' });
    expect((await db.sql<{ address: string; n: number }>('SELECT address, count(*)::int AS n FROM login_failures GROUP BY address')).rows).toEqual([{ address: '127.0.0.1', n: 10 }]);
  });

  it("a node's page: the team and what waits for the owner; an Approve from the page, on the other node, is taken once", async () => {
    const github = await new FakeGithub({ tokens: [TOKEN] }).start();
    cleanups.push(() => github.stop());
    github.addIssue(REPO, { number: 7 });
    const { alpha, beta, secrets } = await team({ GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github.url });
    expect((await fetch(`${beta.url}/`, { redirect: 'manual' })).headers.get('location')).toBe('/login');
    const cookie = (await login(alpha.url, secrets.dashboardToken)).setCookie.split(';')[0]!;
    expect((await postDelivery(alpha.url, webhookSecret(alpha.home), issueOpened(7), { event: 'issues', deliveryId: crypto.randomUUID() })).status).toBe(202);
    await waitUntil(async () => (await db.sql(`SELECT 1 FROM actions WHERE state = 'awaiting_approval'`)).rows.length === 1, 'the ask');
    const id = (await db.sql<{ id: string }>('SELECT id FROM actions')).rows[0]!.id;

    // Beta's page: both nodes, alive; the ask as a card with Approve and Deny; the links a node serves.
    const page = await (await fetch(`${beta.url}/`, { headers: { cookie } })).text();
    expect(page).toMatch(/<td>alpha<\/td><td>alive<\/td>/);
    expect(page).toMatch(/<td>beta <span class="muted">\(this node\)<\/span><\/td><td>alive<\/td>/);
    expect(page).toContain('Waiting for you (<span id="approvals-count">1</span>)');
    expect(page).toContain(`<li class="approval" id="approval-${id}" data-id="${id}">`);
    expect(page).toContain('octo/app#7: Seen by the team.');
    expect(page).toContain('href="/push"');
    expect(page).toContain('<a href="/tasks">Tasks</a>');
    const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(page)?.[1] ?? '';

    // The form without its CSRF token is refused; the script's answer with it approves, once.
    const forged = await fetch(`${beta.url}/approvals/${id}`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: 'answer=approve' });
    expect([forged.status, ((await forged.json()) as { code: string }).code]).toEqual([403, 'VIGIL_ERR_CSRF']);
    const answer = (url: string) => fetch(`${url}/api/approvals/${id}/approve`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: '{"reason":"looks right"}' });
    const approved = await answer(beta.url);
    expect([approved.status, await approved.json()]).toEqual([200, { id, state: 'approved' }]);
    const again = await answer(alpha.url);
    expect([again.status, ((await again.json()) as { code: string }).code]).toEqual([409, 'VIGIL_ERR_APPROVAL_CLOSED']);
    await waitUntil(() => github.issue(REPO, 7)!.comments.length === 1, 'the approved comment');
    expect(await lines('approval.granted')).toEqual([expect.objectContaining({ node: 'beta', actionId: id, by: 'dashboard', reason: 'looks right' })]);
    const after = await (await fetch(`${alpha.url}/`, { headers: { cookie } })).text();
    expect(after).toContain('Waiting for you (<span id="approvals-count">0</span>)');
  }, 300_000);
});

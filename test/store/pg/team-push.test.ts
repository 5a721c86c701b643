/**
 * A team's browser tables (issue 19, migration pg-009) in one process, two nodes' stores
 * on a real cluster: the web push channel of either node reads the same subscriptions —
 * a 429 on one node backs the subscription off for both, subscribing again clears it, a
 * 404 removes it for both — through the real `web-push` to the fake push service; and a
 * login session made on one node is found, expired and ended on the other, only its
 * hash stored.
 */
import crypto from 'node:crypto';
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/clock.js';
import { generateVapidKeys } from '../../../src/config/secrets.js';
import type { EventRecord } from '../../../src/events.js';
import type { Notification } from '../../../src/notify/types.js';
import { WebPushChannel } from '../../../src/notify/webpush.js';
import type { PgStore } from '../../../src/store/pg/index.js';
import { Sessions, SESSION_TTL_MS } from '../../../src/web/sessions.js';
import { usePgNodes } from '../../helpers/pg-nodes.js';
import { postgresAvailability, usePostgres } from '../../helpers/postgres.js';
import { FakePushService } from '../../notify/fake-push.js';

const PG = postgresAvailability();
const T0 = Date.parse('2026-03-02T10:00:00Z');
const NEWS: Notification = { title: 'CI broke on main', body: 'octo/app: 3 tests fail', urgency: 'high', tag: 'ci-main' };

describe.runIf(PG.available)('a team\'s web push subscriptions and login sessions in PostgreSQL (two nodes, one process)', () => {
  const pg = usePostgres('team_push');
  const node = usePgNodes(pg, { leaseSeconds: 30, truncate: ['push_subscriptions', 'web_sessions', 'nodes'], migratedAt: T0 });
  let push: FakePushService;
  beforeAll(async () => {
    push = await FakePushService.start();
  });
  afterAll(async () => {
    await push.close();
  });

  const vapid = { ...generateVapidKeys(), subject: 'mailto:team@example.com' };
  const channelOf = (store: PgStore, clock: FakeClock, lines: EventRecord[]) =>
    new WebPushChannel({ subscriptions: store.pushSubscriptions, vapid, clock, record: async (r) => void lines.push(r), timeoutMs: 3000, agent: new https.Agent({ ca: push.ca }) });
  const row = async () =>
    (await pg.sql<{ node: string; backoff_until: number | null; last_ok_at: number | null }>('SELECT node, backoff_until::float8 AS backoff_until, last_ok_at::float8 AS last_ok_at FROM push_subscriptions')).rows;

  it('one subscription for both nodes: a 429 through beta backs it off for alpha too; subscribing again clears it; a 404 removes it for both', async () => {
    const clock = new FakeClock(T0);
    const [alpha, beta] = [await node('alpha', clock), await node('beta', clock)];
    const lines: EventRecord[] = [];
    const phone = push.subscribe('team-phone');
    await alpha.pushSubscriptions.upsertSubscription({ endpoint: phone.endpoint, ...phone.keys, userAgent: 'Phone/1' }, clock.now());
    expect(await beta.pushSubscriptions.subscriptionCount()).toBe(1);

    push.script('team-phone', { status: 429, headers: { 'retry-after': '120' } });
    expect(await channelOf(beta, clock, lines).send(NEWS, new AbortController().signal)).toEqual({ delivered: false, detail: 'no subscription took it (removed or backing off)' });
    expect(await row()).toEqual([{ node: 'alpha', backoff_until: T0 + 120_000, last_ok_at: null }]);
    expect(lines).toEqual([expect.objectContaining({ type: 'push.backoff', endpoint: push.origin, retryAfterSeconds: 120 })]);
    const asked = push.requests.length;
    expect(await channelOf(alpha, clock, lines).send(NEWS, new AbortController().signal)).toEqual({ delivered: false, detail: 'every subscription is backing off' });
    expect(push.requests.length).toBe(asked);

    // The phone subscribes again, through beta: no longer backing off, and beta took it.
    await beta.pushSubscriptions.upsertSubscription({ endpoint: phone.endpoint, ...phone.keys }, clock.now());
    clock.advance(1000);
    const before = push.messages.length;
    expect(await channelOf(alpha, clock, lines).send(NEWS, new AbortController().signal)).toEqual({ delivered: true, detail: '1 of 1 subscriptions' });
    const [message] = (await push.waitFor(before + 1)).slice(before);
    expect(JSON.parse(message!.payload)).toMatchObject({ title: NEWS.title, body: NEWS.body });
    expect(message!.vapidKey).toBe(vapid.publicKey);
    expect(await row()).toEqual([{ node: 'beta', backoff_until: null, last_ok_at: T0 + 1000 }]);

    push.script('team-phone', { status: 404 });
    expect((await channelOf(beta, clock, lines).send(NEWS, new AbortController().signal)).delivered).toBe(false);
    expect(lines.at(-1)).toMatchObject({ type: 'push.subscription_removed', endpoint: push.origin, status: 404 });
    expect(await alpha.pushSubscriptions.subscriptionCount()).toBe(0);
    expect(await channelOf(alpha, clock, lines).send(NEWS, new AbortController().signal)).toEqual({ delivered: false, detail: 'no subscriptions' });
    expect(await alpha.pushSubscriptions.removeSubscription(phone.endpoint)).toBe(false);
  });

  it('a session made through alpha is found through beta until it expires; only its hash is stored; the next login drops the expired; ended on one node, gone on both', async () => {
    const clock = new FakeClock(T0);
    const [alpha, beta] = [await node('alpha', clock), await node('beta', clock)];
    const { id, session } = await new Sessions(alpha.webSessions).create(clock.now());
    expect(await new Sessions(beta.webSessions).find(id, clock.now())).toEqual(session);
    const stored = (await pg.sql<{ id_hash: string; expires_at: number }>('SELECT id_hash, expires_at::float8 AS expires_at FROM web_sessions')).rows;
    expect(stored).toEqual([{ id_hash: crypto.createHash('sha256').update(id).digest('hex'), expires_at: T0 + SESSION_TTL_MS }]);
    // A guess, or the stored hash itself offered as a cookie, finds nothing.
    expect(await new Sessions(beta.webSessions).find(stored[0]!.id_hash, clock.now())).toBeUndefined();
    expect(await new Sessions(beta.webSessions).find(undefined, clock.now())).toBeUndefined();

    clock.advance(SESSION_TTL_MS);
    expect(await new Sessions(beta.webSessions).find(id, clock.now())).toBeUndefined();
    const next = await new Sessions(beta.webSessions).create(clock.now());
    expect((await pg.sql('SELECT 1 FROM web_sessions')).rowCount).toBe(1);
    expect(await new Sessions(alpha.webSessions).find(next.id, clock.now())).toEqual(next.session);
    await new Sessions(alpha.webSessions).delete(next.id);
    expect(await new Sessions(beta.webSessions).find(next.id, clock.now())).toBeUndefined();
    expect((await pg.sql('SELECT 1 FROM web_sessions')).rowCount).toBe(0);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import https from 'node:https';
import { generateVapidKeys } from '../../src/config/secrets.js';
import { systemClock } from '../../src/clock.js';
import { encodePushPayload, PUSH_PAYLOAD_MAX_BYTES } from '../../src/notify/payload.js';
import { WebPushChannel } from '../../src/notify/webpush.js';
import { type Notification } from '../../src/notify/types.js';
import { FakePushService } from './fake-push.js';
import { pushNotifier, staged, tempStore } from './helpers.js';

let push: FakePushService;
beforeAll(async () => {
  push = await FakePushService.start();
});
afterAll(async () => {
  await push.close();
});

const NEWS: Notification = { title: 'CI broke on main', body: 'octo/app: 3 tests fail since 4f2a1c', urgency: 'high', tag: 'ci-main' };

describe('web push, through the real web-push library, to a push service that checks everything', () => {
  it('delivers exactly the notification vigil sent: VAPID JWT verified, aes128gcm payload decrypted, TTL, urgency and topic set', async () => {
    const store = tempStore();
    const { notifier, secrets, tables } = pushNotifier(store, push, systemClock);
    const browser = push.subscribe('phone-1');
    tables.upsertSubscription({ endpoint: browser.endpoint, ...browser.keys }, Date.now());

    const before = push.messages.length;
    const delivery = await notifier.deliver(NEWS, 'action:abc');
    expect(delivery).toEqual({ key: 'action:abc', channels: ['push'], failed: [] });

    const [message] = (await push.waitFor(before + 1)).slice(before);
    expect(message!.path).toBe('/push/phone-1');
    expect(message!.payload).toBe(encodePushPayload(NEWS));
    expect(JSON.parse(message!.payload)).toEqual({ title: NEWS.title, body: NEWS.body, urgency: 'high', tag: 'ci-main', url: '/' });
    // The JWT was signed with the VAPID key `vigil init` made, for this push service's origin.
    expect(message!.vapidKey).toBe(secrets.vapid.publicKey);
    expect(message!.claims.aud).toBe(push.origin);
    expect(message!.claims.sub).toBe('mailto:vigil@example.com');
    expect(message!.headers.urgency).toBe('high');
    expect(message!.headers.topic).toBe('ci-main');
    expect(Number(message!.headers.ttl)).toBe(86_400);
    expect(staged(store, 'notify.sent')).toMatchObject([{ title: NEWS.title, channels: ['push'] }]);
  });

  it('a retry with the same key does not push again', async () => {
    const store = tempStore();
    const { notifier, tables } = pushNotifier(store, push, systemClock);
    const browser = push.subscribe('phone-retry');
    tables.upsertSubscription({ endpoint: browser.endpoint, ...browser.keys }, Date.now());
    await notifier.deliver(NEWS, 'action:same');
    await notifier.deliver(NEWS, 'action:same');
    expect(push.messages.filter((m) => m.path === '/push/phone-retry')).toHaveLength(1);
  });

  it('410 Gone deletes the subscription and logs it; 404 too', async () => {
    const store = tempStore();
    const { notifier, tables } = pushNotifier(store, push, systemClock);
    for (const [name, status] of [['gone', 410], ['missing', 404]] as const) {
      const browser = push.subscribe(name);
      tables.upsertSubscription({ endpoint: browser.endpoint, ...browser.keys }, Date.now());
      push.script(name, { status });
    }
    expect(tables.subscriptionCount()).toBe(2);
    const delivery = await notifier.deliver(NEWS, 'action:gone');
    expect(delivery.channels).toEqual([]);
    expect(tables.subscriptionCount()).toBe(0);
    const removed = staged(store, 'push.subscription_removed').map((r) => r.status);
    expect(removed.sort()).toEqual([404, 410]);
    expect(staged(store, 'push.subscription_removed')[0]!.endpoint).toBe(push.origin);
  });

  it('429 with a short Retry-After is retried after it; a long one backs the subscription off', async () => {
    const store = tempStore();
    const { notifier, tables } = pushNotifier(store, push, systemClock);
    const quick = push.subscribe('busy-quick');
    tables.upsertSubscription({ endpoint: quick.endpoint, ...quick.keys }, Date.now());
    push.script('busy-quick', { status: 429, headers: { 'retry-after': '1' } });
    const t0 = Date.now();
    const first = await notifier.deliver(NEWS, 'action:busy-1');
    expect(first.channels).toEqual(['push']);
    const attempts = push.requests.filter((r) => r.path === '/push/busy-quick');
    expect(attempts).toHaveLength(2);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(950);
    expect(Date.now() - t0).toBeLessThan(5000);

    tables.removeSubscription(quick.endpoint);
    const slow = push.subscribe('busy-slow');
    tables.upsertSubscription({ endpoint: slow.endpoint, ...slow.keys }, Date.now());
    push.script('busy-slow', { status: 429, headers: { 'retry-after': '3600' } });
    await notifier.deliver(NEWS, 'action:busy-2');
    expect(staged(store, 'push.backoff')).toMatchObject([{ endpoint: push.origin, retryAfterSeconds: 3600 }]);
    expect(tables.subscriptions()[0]!.backoffUntil).toBeGreaterThan(Date.now() + 3500_000);
    // Within the hour, the subscription is left alone.
    await notifier.deliver(NEWS, 'action:busy-3');
    expect(push.requests.filter((r) => r.path === '/push/busy-slow')).toHaveLength(1);
  });

  it('keeps the payload under 3 KB: a long body is cut, the title and approval tokens are kept', async () => {
    const store = tempStore();
    const { notifier, tables } = pushNotifier(store, push, systemClock);
    const browser = push.subscribe('phone-long');
    tables.upsertSubscription({ endpoint: browser.endpoint, ...browser.keys }, Date.now());
    const long: Notification = {
      title: 'Approve github.comment?',
      body: 'ü'.repeat(4000),
      urgency: 'normal',
      approval: { id: 'k7m2q9xa', expiresAt: Date.now() + 3_600_000, approveToken: 'a'.repeat(120), denyToken: 'd'.repeat(120) },
    };
    await notifier.deliver(long, 'approval:k7m2q9xa');
    const message = push.messages.find((m) => m.path === '/push/phone-long')!;
    expect(Buffer.byteLength(message.payload)).toBeLessThanOrEqual(PUSH_PAYLOAD_MAX_BYTES);
    const payload = JSON.parse(message.payload) as { title: string; body: string; approval: { approveToken: string } };
    expect(payload.title).toBe(long.title);
    expect(payload.body.endsWith('…')).toBe(true);
    expect(payload.body.length).toBeGreaterThan(1000);
    expect(payload.approval.approveToken).toBe('a'.repeat(120));
    // An approval lives no longer on the push service than the approval itself.
    expect(Number(message.headers.ttl)).toBeGreaterThan(3500);
    expect(Number(message.headers.ttl)).toBeLessThanOrEqual(3600);
  });

  it('the fake push service is no pushover: a JWT signed by another key, or a payload for other keys, is refused', async () => {
    const store = tempStore();
    const tables = store.pushSubscriptions;
    const browser = push.subscribe('strict');
    // The key vigil claims (k=) is not the one that signed the JWT.
    const mine = generateVapidKeys();
    const other = generateVapidKeys();
    const channel = new WebPushChannel({
      subscriptions: tables,
      vapid: { publicKey: other.publicKey, privateKey: mine.privateKey, subject: 'mailto:vigil@example.com' },
      clock: systemClock,
      record: (r) => store.outbox.add(r),
      timeoutMs: 5000,
      agent: new https.Agent({ ca: push.ca }),
    });
    tables.upsertSubscription({ endpoint: browser.endpoint, ...browser.keys }, Date.now());
    await expect(channel.send(NEWS, new AbortController().signal)).rejects.toThrow(/HTTP 401/);
    expect(push.refused.at(-1)).toEqual({ path: '/push/strict', reason: 'bad JWT signature' });

    // Encrypted for another browser's keys: the push service cannot decrypt it.
    const stranger = push.subscribe('stranger');
    tables.removeSubscription(browser.endpoint);
    tables.upsertSubscription({ endpoint: browser.endpoint, ...stranger.keys }, Date.now());
    const honest = new WebPushChannel({
      subscriptions: tables,
      vapid: { ...mine, subject: 'mailto:vigil@example.com' },
      clock: systemClock,
      record: (r) => store.outbox.add(r),
      timeoutMs: 5000,
      agent: new https.Agent({ ca: push.ca }),
    });
    await expect(honest.send(NEWS, new AbortController().signal)).rejects.toThrow(/HTTP 400/);
    expect(push.refused.at(-1)!.reason).toMatch(/cannot decrypt/);
  });
});

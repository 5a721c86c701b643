import { describe, expect, it } from 'vitest';
import { FakeClock, systemClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { Notifier, OwnerReach, sendQueuedNotices, verifyCapability } from '../../src/notify/index.js';
import { NotifyGate } from '../../src/notify/gate.js';
import { RecordingChannel, tempStore } from './helpers.js';

const KEY = 'c'.repeat(64);

function askFor(store: ReturnType<typeof tempStore>, now: number) {
  return store.actions.insert(
    { action: 'github.label', params: { repo: 'octo/app', number: 7, labels: ['bug'] }, rationale: 'looks like a bug', verdict: 'ask', reason: 'default' },
    'awaiting_approval',
    now,
    now + 3_600_000,
  );
}

describe('the daemon queues, the worker sends', () => {
  it('queues one notice per approval (again after a crash: no double), and starts no worker when nobody can be reached', async () => {
    const store = tempStore();
    const clock = new FakeClock(Date.parse('2026-06-01T10:00:00Z'));
    let kicks = 0;
    let config = parseConfig({}, {});
    const reach = new OwnerReach({ store, clock, config: () => config, kick: () => kicks++ });
    const tables = store.notifications;
    const a = askFor(store, clock.now());
    reach.approvalsRequested([a.id]);
    reach.catchUp();
    expect(tables.pendingNotices().map((n) => n.key)).toEqual([`approval:${a.id}`]);
    expect(kicks).toBe(0);
    // A subscribed browser makes the owner reachable: the worker is started.
    store.pushSubscriptions.upsertSubscription({ endpoint: 'https://push.example.net/x', p256dh: 'p', auth: 'a' }, clock.now());
    reach.subscribed();
    expect(kicks).toBe(1);
    config = parseConfig({ notify: { ntfy: { url: 'https://ntfy.example.net/t' } } }, {});
    // No wait for the worker here (there is none): the answer is "pending" at once.
    expect((await reach.sendTest(0)).pending).toBe(true);
    expect(kicks).toBe(2);
  });

  it('the worker turns an approval notice into Approve/Deny with tokens for that approval; answered ones are skipped', async () => {
    const store = tempStore();
    const tables = store.notifications;
    const phone = new RecordingChannel('phone');
    const notifier = new Notifier({ tables, gate: new NotifyGate(tables, { maxPerHour: 20 }), channels: [phone], clock: systemClock, record: (r) => store.outbox.add(r), timeoutMs: 1000 });
    const now = Date.now();
    const pending = askFor(store, now);
    const answered = askFor(store, now);
    store.actions.transition(answered.id, ['awaiting_approval'], 'denied', now, { answeredBy: 'cli' });
    tables.enqueueNotice(`approval:${pending.id}`, 'approval', { actionId: pending.id }, now);
    tables.enqueueNotice(`approval:${answered.id}`, 'approval', { actionId: answered.id }, now);

    expect(await sendQueuedNotices(store, systemClock, () => ({ notifier, capabilityKey: KEY }))).toBe(2);
    expect(await sendQueuedNotices(store, systemClock, () => ({ notifier, capabilityKey: KEY }))).toBe(0);
    expect(phone.received).toHaveLength(1);
    const n = phone.received[0]!.notification;
    expect(n).toMatchObject({ title: 'Approve github.label?', body: 'octo/app#7: bug\nlooks like a bug', tag: `approval-${pending.id}` });
    const check = verifyCapability(KEY, n.approval!.approveToken, { approvalId: pending.id, answer: 'approve', now });
    expect(check).toMatchObject({ ok: true, claims: { expiresAt: pending.expiresAt } });
    expect(verifyCapability(KEY, n.approval!.denyToken, { approvalId: pending.id, answer: 'deny', now }).ok).toBe(true);
  });

  it('the daemon queues the digest when held notifications may go out', () => {
    const store = tempStore();
    const clock = new FakeClock(Date.parse('2026-06-01T10:00:00Z'));
    const tables = store.notifications;
    tables.insertLog({ key: 'action:x', title: 'held', body: '', urgency: 'normal', state: 'held', reason: 'quiet hours', createdAt: clock.now() - 60_000 });
    store.pushSubscriptions.upsertSubscription({ endpoint: 'https://push.example.net/x', p256dh: 'p', auth: 'a' }, clock.now());
    let kicks = 0;
    const reach = new OwnerReach({ store, clock, config: () => parseConfig({}, {}), kick: () => kicks++ });
    reach.start();
    reach.stop();
    expect(tables.pendingNotices().map((n) => n.kind)).toEqual(['digest']);
    expect(kicks).toBe(1);
  });

  it('prunes what was sent a week ago, never what is still held', () => {
    const store = tempStore();
    const now = Date.parse('2026-06-10T10:00:00Z');
    const tables = store.notifications;
    const old = now - 8 * 24 * 3_600_000;
    tables.insertLog({ key: 'action:old', title: 'old', body: '', urgency: 'normal', state: 'sent', createdAt: old });
    tables.markDelivered('action:old', 'push', old);
    tables.insertLog({ key: 'action:held', title: 'held', body: '', urgency: 'normal', state: 'held', reason: 'quiet hours', createdAt: old });
    tables.insertLog({ key: 'action:new', title: 'new', body: '', urgency: 'normal', state: 'sent', createdAt: now - 60_000 });
    const reach = new OwnerReach({ store, clock: new FakeClock(now), config: () => parseConfig({}, {}), kick: () => undefined });
    reach.start();
    reach.stop();
    expect(tables.logRow('action:old')).toBeUndefined();
    expect(tables.deliveredChannels('action:old').size).toBe(0);
    expect(tables.logRow('action:held')?.state).toBe('held');
    expect(tables.logRow('action:new')?.state).toBe('sent');
  });
});

import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { Notifier } from '../../src/notify/index.js';
import { NotifyGate } from '../../src/notify/gate.js';
import { type Notification } from '../../src/notify/types.js';
import { RecordingChannel, staged, tempStore } from './helpers.js';

const BERLIN = 'Europe/Berlin';
/** 2026-03-10 is in CET (UTC+1): 23:30 in Berlin is 22:30Z. */
const at = (hhmm: string, day = 10) => Date.parse(`2026-03-${String(day).padStart(2, '0')}T${hhmm}:00+01:00`);
const note = (title: string, urgency: Notification['urgency'] = 'normal'): Notification => ({ title, body: `${title} body`, urgency });

function setup(policy: { quietHours?: string; maxPerHour?: number }, startAt: number) {
  const store = tempStore();
  const clock = new FakeClock(startAt);
  const tables = store.notifications;
  const gate = new NotifyGate(tables, { ...(policy.quietHours ? { quietHours: policy.quietHours } : {}), timeZone: BERLIN, maxPerHour: policy.maxPerHour ?? 20 });
  const phone = new RecordingChannel('phone');
  const notifier = new Notifier({ tables, gate, channels: [phone], clock, record: (r) => store.outbox.add(r), timeoutMs: 1000 });
  return { store, clock, gate, phone, notifier };
}

describe('quiet hours, the hourly cap and the digest (fake clock)', () => {
  it('quiet hours hold a normal notification, let a high one through, and the digest afterwards lists what was held', async () => {
    const { store, clock, gate, phone, notifier } = setup({ quietHours: '22:00-07:00' }, at('23:30'));

    const held = await notifier.deliver(note('Nightly build finished'), 'action:n1');
    expect(held).toMatchObject({ held: 'quiet hours', channels: [] });
    expect(phone.received).toHaveLength(0);

    const urgent = await notifier.deliver(note('Production is down', 'high'), 'action:h1');
    expect(urgent.channels).toEqual(['phone']);
    expect(phone.received.map((r) => r.notification.title)).toEqual(['Production is down']);

    clock.set(at('02:15', 11));
    await notifier.deliver(note('Dependabot opened 3 PRs', 'low'), 'action:n2');
    expect(staged(store, 'notify.held').map((r) => [r.key, r.reason])).toEqual([
      ['action:n1', 'quiet hours'],
      ['action:n2', 'quiet hours'],
    ]);
    // The daemon's timer is armed for the end of the quiet hours.
    expect(gate.nextDigestAt(clock.now())).toBe(at('07:00', 11));

    clock.set(at('06:59', 11));
    expect(await notifier.sendDigestIfDue()).toBe(0);
    expect(phone.received).toHaveLength(1);

    clock.set(at('07:00', 11));
    expect(await notifier.sendDigestIfDue()).toBe(2);
    const digest = phone.received.at(-1)!.notification;
    expect(digest.title).toBe('vigil: 2 held back');
    expect(digest.body.split('\n')).toEqual([
      '• 23:30 Nightly build finished — Nightly build finished body',
      '• 02:15 Dependabot opened 3 PRs — Dependabot opened 3 PRs body',
    ]);
    expect(digest.body).not.toContain('Production is down');
    expect(staged(store, 'notify.digest')).toMatchObject([{ count: 2, channels: ['phone'] }]);

    // Once sent, a digest is not sent again; a normal notification now goes straight out.
    expect(await notifier.sendDigestIfDue()).toBe(0);
    expect((await notifier.deliver(note('Good morning'), 'action:n3')).channels).toEqual(['phone']);
    expect(phone.received.map((r) => r.notification.title)).toEqual(['Production is down', 'vigil: 2 held back', 'Good morning']);
    expect(gate.nextDigestAt(clock.now())).toBeUndefined();
  });

  it('the next notification after the quiet hours brings the digest first, in order', async () => {
    const { clock, phone, notifier } = setup({ quietHours: '22:00-07:00' }, at('22:05'));
    await notifier.deliver(note('Held one'), 'action:a');
    clock.set(at('08:00', 11));
    await notifier.deliver(note('Fresh one'), 'action:b');
    expect(phone.received.map((r) => r.notification.title)).toEqual(['vigil: 1 held back', 'Fresh one']);
  });

  it('the hourly cap holds what is past it (high included) until the hour has room; a retry keeps its verdict', async () => {
    const { store, clock, gate, phone, notifier } = setup({ maxPerHour: 3 }, at('12:00'));
    for (const n of [1, 2, 3]) {
      await notifier.deliver(note(`News ${n}`), `action:c${n}`);
      clock.advance(60_000);
    }
    expect((await notifier.deliver(note('News 4'), 'action:c4')).held).toBe('hourly cap');
    expect((await notifier.deliver(note('Alarm', 'high'), 'action:c5')).held).toBe('hourly cap');
    expect((await notifier.deliver(note('News 4'), 'action:c4')).held).toBe('hourly cap');
    expect(staged(store, 'notify.held')).toHaveLength(2);
    expect(phone.received).toHaveLength(3);
    // Room again one hour after the first of the three.
    expect(gate.nextDigestAt(clock.now())).toBe(at('13:00') + 1000);
    clock.set(at('13:00') + 1000);
    expect(await notifier.sendDigestIfDue()).toBe(2);
    expect(phone.received.at(-1)!.notification.body).toContain('Alarm');
  });
});

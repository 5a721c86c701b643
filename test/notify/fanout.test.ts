import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { Notifier } from '../../src/notify/index.js';
import { fanOut } from '../../src/notify/fanout.js';
import { NotifyGate } from '../../src/notify/gate.js';
import { type Notification } from '../../src/notify/types.js';
import { RecordingChannel, staged, tempStore } from './helpers.js';

const NEWS: Notification = { title: 'Deploy finished', body: 'v1.4.2 is live', urgency: 'normal' };

describe('channels are isolated', () => {
  it('a channel that throws or hangs does not delay the others beyond its timeout', async () => {
    const broken = new RecordingChannel('broken', 'throw');
    const stuck = new RecordingChannel('stuck', 'hang');
    const good = new RecordingChannel('good');
    const t0 = Date.now();
    const outcomes = await fanOut([stuck, broken, good], NEWS, 400);
    const elapsed = Date.now() - t0;

    // The good channel had it at once, not after the stuck one gave up.
    expect(good.received).toHaveLength(1);
    expect(good.received[0]!.at - t0).toBeLessThan(100);
    expect(outcomes.map((o) => [o.channel, o.status])).toEqual([
      ['stuck', 'timeout'],
      ['broken', 'failed'],
      ['good', 'sent'],
    ]);
    expect(outcomes[1]!.detail).toBe('broken is broken');
    // The whole fan-out waits no longer than the slowest channel's timeout.
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(elapsed).toBeLessThan(900);
  });

  it('every failure is logged, and the notification still counts as delivered by the channel that worked', async () => {
    const store = tempStore();
    const tables = store.notifications;
    const notifier = new Notifier({
      tables,
      gate: new NotifyGate(tables, { maxPerHour: 20 }),
      channels: [new RecordingChannel('broken', 'throw'), new RecordingChannel('stuck', 'hang'), new RecordingChannel('good')],
      clock: systemClock,
      record: (r) => store.outbox.add(r),
      timeoutMs: 300,
    });
    const delivery = await notifier.deliver(NEWS, 'action:iso');
    expect(delivery.channels).toEqual(['good']);
    expect(staged(store, 'notify.failed').map((r) => [r.channel, r.error])).toEqual([
      ['broken', 'broken is broken'],
      ['stuck', 'no answer in 300 ms'],
    ]);
    expect(staged(store, 'notify.sent')).toMatchObject([{ title: NEWS.title, channels: ['good'] }]);
  });

  it('when every channel fails, the notification fails (so the action is marked failed)', async () => {
    const store = tempStore();
    const tables = store.notifications;
    const notifier = new Notifier({
      tables,
      gate: new NotifyGate(tables, { maxPerHour: 20 }),
      channels: [new RecordingChannel('broken', 'throw')],
      clock: systemClock,
      record: (r) => store.outbox.add(r),
      timeoutMs: 300,
    });
    await expect(notifier.deliver(NEWS, 'action:all-bad')).rejects.toMatchObject({ code: 'VIGIL_ERR_NOTIFY' });
  });
});

import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import type { EventRecord } from '../../src/events.js';
import { Store } from '../../src/store/index.js';
import { RejectionTally, REJECTIONS_DAY_MS, REJECTIONS_HOUR_MS, summarizeRejections } from '../../src/triggers/index.js';
import { statusView } from '../../src/web/dashboard.js';
import { useTempDir } from './helpers.js';

const tempDir = useTempDir('vigil-rejections-');
const opened: Store[] = [];
const tallies: RejectionTally[] = [];
afterEach(() => {
  // Timers of lines still waiting for their minute: written (and cleared) now.
  for (const tally of tallies.splice(0)) tally.close();
  for (const store of opened.splice(0)) store.close();
});

const T0 = Date.UTC(2026, 5, 10, 12, 0, 30);

function setup() {
  const store = Store.open(path.join(tempDir(), 'vigil.db'));
  opened.push(store);
  const clock = new FakeClock(T0);
  const lines: EventRecord[] = [];
  const told: string[] = [];
  const tally = new RejectionTally({
    clock,
    record: (r) => lines.push(r),
    load: () => store.kv.get('webhook.rejections'),
    save: (log) => store.kv.set('webhook.rejections', log),
    notifyOwner: (cause) => told.push(cause),
  });
  tallies.push(tally);
  return { store, clock, lines, told, tally };
}

describe('RejectionTally', () => {
  it('counts every refusal, writes one line at once and the rest with their minute; the store has what was written', () => {
    const { store, clock, lines, tally } = setup();
    for (let i = 0; i < 1000; i++) tally.note('signature', 'direct');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ type: 'webhook.rejected', reason: 'signature', via: 'direct', count: 1 });
    expect(tally.summary(REJECTIONS_HOUR_MS)).toMatchObject({ total: 1000, direct: { signature: 1000 } });
    clock.advance(30_000);
    tally.close();
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ count: 999 });
    const saved = summarizeRejections(store.kv.get('webhook.rejections'), clock.now(), REJECTIONS_DAY_MS);
    expect(saved).toMatchObject({ total: 1000, direct: { signature: 1000 } });
    // An hour and a minute later they are out of status's hour, still in doctor's day.
    expect(summarizeRejections(store.kv.get('webhook.rejections'), T0 + REJECTIONS_HOUR_MS + 61_000, REJECTIONS_HOUR_MS).total).toBe(0);
    expect(summarizeRejections(store.kv.get('webhook.rejections'), T0 + REJECTIONS_HOUR_MS + 61_000, REJECTIONS_DAY_MS).total).toBe(1000);
  });

  it('a proxied refusal names its delivery; the owner is told once an hour, not once a delivery', () => {
    const { clock, lines, told, tally } = setup();
    tally.note('signature', 'proxy', { deliveryId: 'aaaa-0001', event: 'issues' });
    tally.note('signature', 'proxy', { deliveryId: 'aaaa-0002', event: 'issues' });
    expect(told).toHaveLength(1);
    expect(told[0]).toMatch(/re-serialised/);
    expect(lines[0]).toMatchObject({ via: 'proxy', deliveries: [{ deliveryId: 'aaaa-0001', event: 'issues' }] });
    clock.advance(REJECTIONS_HOUR_MS - 1);
    tally.note('signature', 'proxy', { deliveryId: 'aaaa-0003', event: 'issues' });
    expect(told).toHaveLength(1);
    clock.advance(2);
    tally.note('signature', 'proxy', { deliveryId: 'aaaa-0004', event: 'issues' });
    expect(told).toHaveLength(2);
    // Direct refusals never notify: anyone can send them.
    tally.note('signature', 'direct');
    expect(told).toHaveLength(2);
  });

  it('the dashboard shows the last hour\'s refusals', () => {
    const { store, clock } = setup();
    const status = (rejectedDeliveries: unknown) => () => ({ rejectedDeliveries });
    expect(statusView({ status: status({ lastHour: 0 }), store, clock }).rejected).toBe('none');
    expect(statusView({ status: status({ lastHour: 3, direct: { signature: 2 }, proxy: { signature: 1 } }), store, clock }).rejected).toBe(
      '3 (2 signature, 1 signature via proxy) — see vigil doctor',
    );
  });
});

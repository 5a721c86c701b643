import { describe, expect, it } from 'vitest';
import { BURST_DECISION_GAP_MS, IntakePacer } from '../../src/daemon/pacer.js';

/** A pacer on a hand-moved clock, fed `perSecond` deliveries for `ms`. */
function fed(perSecond: number, ms: number): { pacer: IntakePacer; at: { now: number }; waits: number[] } {
  const at = { now: 0 };
  const waits: number[] = [];
  const pacer = new IntakePacer(() => at.now, async (ms) => void waits.push(ms));
  const gap = 1000 / perSecond;
  for (let t = 0; t <= ms; t += gap) {
    at.now = t;
    pacer.noteDelivery();
  }
  return { pacer, at, waits };
}

describe('IntakePacer', () => {
  it('estimates a steady arrival rate', () => {
    expect(fed(50, 2000).pacer.rateAt(2000)).toBeCloseTo(50, -1);
    expect(fed(1000, 1000).pacer.rateAt(1000)).toBeCloseTo(1000, -2);
    const { pacer } = fed(1000, 1000);
    // Two seconds after the burst ended, it is forgotten.
    expect(pacer.rateAt(3000)).toBeLessThan(1);
  });

  it('counts a group commit as the deliveries in it: 40 every 40 ms is a burst of 1000/s', async () => {
    const at = { now: 0 };
    const waits: number[] = [];
    const pacer = new IntakePacer(() => at.now, async (ms) => void waits.push(ms));
    for (at.now = 0; at.now <= 400; at.now += 40) pacer.noteDelivery(40);
    expect(pacer.rateAt(400)).toBeGreaterThan(800);
    await pacer.pace();
    expect(waits).toEqual([BURST_DECISION_GAP_MS]);
  });

  it('lets deciding run on at once when nothing arrived, and under a steady 50 deliveries/s', async () => {
    const idle = fed(0.001, 0);
    idle.at.now = 60_000;
    await idle.pacer.pace();
    const steady = fed(50, 2000);
    await steady.pacer.pace();
    expect([...idle.waits, ...steady.waits]).toEqual([]);
  });

  it('during a burst (1000/s) holds deciding to one decision a second, and lets it run on once the burst is over', async () => {
    const { pacer, at, waits } = fed(1000, 300);
    await pacer.pace();
    expect(waits).toEqual([1000]);
    at.now += 2000;
    await pacer.pace();
    expect(waits).toEqual([1000]);
  });
});

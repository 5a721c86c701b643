import { describe, expect, it } from 'vitest';
import { IntakePacer } from '../../src/daemon/pacer.js';

/** A pacer on a hand-moved clock, fed `perSecond` deliveries for `ms`. */
function fed(perSecond: number, ms: number): { pacer: IntakePacer; at: { now: number } } {
  const at = { now: 0 };
  const pacer = new IntakePacer(() => at.now);
  const gap = 1000 / perSecond;
  for (let t = 0; t <= ms; t += gap) {
    at.now = t;
    pacer.noteDelivery();
  }
  return { pacer, at };
}

async function waited(pacer: IntakePacer, decisionMs: number): Promise<number> {
  const started = performance.now();
  await pacer.pace(decisionMs);
  return performance.now() - started;
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
    const pacer = new IntakePacer(() => at.now);
    for (at.now = 0; at.now <= 400; at.now += 40) pacer.noteDelivery(40);
    expect(pacer.rateAt(400)).toBeGreaterThan(800);
    expect(await waited(pacer, 0.2)).toBeGreaterThanOrEqual(95);
  });

  it('lets deciding run on at once when nothing arrived, and under a steady 50 deliveries/s', async () => {
    expect(await waited(new IntakePacer(), 1)).toBeLessThan(50);
    expect(await waited(fed(50, 2000).pacer, 1)).toBeLessThan(50);
  });

  it('during a burst (1000/s) holds deciding to one decision per 100 ms at least', async () => {
    expect(await waited(fed(1000, 300).pacer, 0.2)).toBeGreaterThanOrEqual(95);
  });

  it('waits longer after a slow decision, up to a quarter second', async () => {
    const w = await waited(fed(1000, 300).pacer, 50); // 19 × 50 ms would be 950 ms: capped
    expect(w).toBeGreaterThanOrEqual(245);
    expect(w).toBeLessThan(600);
  });
});

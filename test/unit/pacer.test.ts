import { describe, expect, it } from 'vitest';
import { IntakePacer } from '../../src/daemon/pacer.js';

describe('IntakePacer', () => {
  it('lets deciding run on at once when no delivery came in the last moments', async () => {
    const pacer = new IntakePacer();
    const started = performance.now();
    await pacer.pace(1);
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('during a burst holds deciding to one decision per 100 ms at least', async () => {
    const pacer = new IntakePacer();
    pacer.noteDelivery();
    const started = performance.now();
    await pacer.pace(0.2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
  });

  it('waits longer after a slow decision, up to a quarter second', async () => {
    const pacer = new IntakePacer();
    pacer.noteDelivery();
    const started = performance.now();
    await pacer.pace(50); // 19 × 50 ms would be 950 ms: capped
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(245);
    expect(waited).toBeLessThan(600);
  });
});

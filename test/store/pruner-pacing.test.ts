import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { StorePruner } from '../../src/daemon/pruner.js';
import { StoreTrouble } from '../../src/daemon/store-trouble.js';
import { silentOplog } from '../../src/daemon/oplog.js';
import type { EventRecord } from '../../src/events.js';
import type { PruneReport } from '../../src/store/index.js';

/** Holds the thread for `ms`, as a step's transaction does. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

/** A retention whose every step takes `stepMs` of the loop; the times each step ran. */
function slowRetention(count: number, stepMs: number, ran: { start: number; end: number }[]) {
  return {
    *steps(): Generator<void, PruneReport> {
      for (let i = 0; i < count; i++) {
        const start = performance.now();
        busy(stepMs);
        ran.push({ start, end: performance.now() });
        if (i < count - 1) yield;
      }
      return { inboxRows: count, segments: 0, spoolBytes: 0 };
    },
  };
}

describe('the pruner leaves the loop to the daemon between steps', () => {
  it('rests on a timer twice as long as each step, so a pass holds the loop a third of the time and timers keep firing', async () => {
    const ran: { start: number; end: number }[] = [];
    const clock = new FakeClock(Date.UTC(2026, 11, 1));
    const records: EventRecord[] = [];
    const pruner = new StorePruner({
      store: { retention: slowRetention(40, 4, ran) },
      clock,
      retainDays: () => 90,
      record: (r) => records.push(r),
      trouble: new StoreTrouble({ oplog: silentOplog(), record: () => undefined, clock }),
    });
    // A 5 ms interval beside the pass, as the daemon's own timers (leases, heartbeats) are.
    const fired: number[] = [];
    const probe = setInterval(() => fired.push(performance.now()), 5);
    const started = performance.now();
    const report = await pruner.run();
    const wallMs = performance.now() - started;
    clearInterval(probe);

    expect(report?.inboxRows).toBe(40);
    expect(records.map((r) => r.type)).toEqual(['store.pruned']);
    const stepsMs = ran.reduce((sum, r) => sum + (r.end - r.start), 0);
    // Each step's rest is at least twice the step: the steps are at most a third of the pass
    // (with a bare setImmediate between steps they were nine tenths of it).
    expect(stepsMs / wallMs, `steps ${stepsMs.toFixed(1)} ms of a ${wallMs.toFixed(1)} ms pass`).toBeLessThan(0.4);
    // Timers keep whole milliseconds (a rest of 12.8 ms may end after 11.5): 2 ms of slack.
    for (let i = 1; i < ran.length; i++) expect(ran[i]!.start - ran[i - 1]!.end, `rest after step ${i}`).toBeGreaterThanOrEqual(2 * (ran[i - 1]!.end - ran[i - 1]!.start) - 2);
    // The timer beside it fired all through the pass. Between two firings lie a step and
    // the runner's own work on a shared machine: bounded by the guarantee's 50 ms, not a step's 4.
    const gaps = fired.slice(1).map((t, i) => t - fired[i]!);
    expect(fired.length, `${fired.length} firings in ${wallMs.toFixed(1)} ms`).toBeGreaterThan(wallMs / 20);
    expect(Math.max(...gaps), `gaps ${gaps.map((g) => g.toFixed(1)).join(' ')}`).toBeLessThan(50);
  });
});

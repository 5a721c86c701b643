import type { EventLoopUtilization } from 'node:perf_hooks';
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { IdleTrim } from '../../src/daemon/idle-trim.js';

/** A scripted loop: each check sees the next window's utilization. */
function scripted(windows: number[]) {
  let i = 0;
  return (previous?: EventLoopUtilization): EventLoopUtilization => {
    if (!previous) return { idle: 0, active: 0, utilization: 0 };
    return { idle: 0, active: 0, utilization: windows[i++] ?? 0 };
  };
}

describe('the idle trim (issue 18: idle RSS)', () => {
  it('trims once after start-up, then only after work that grew the heap, and never in a busy window', () => {
    let heap = 20 << 20;
    const collected: number[] = [];
    const trim = new IdleTrim({
      utilization: scripted([0.5, 0.001, 0.001, 0.2, 0.001, 0.001, 0.3]),
      heapBytes: () => heap,
      collect: () => {
        collected.push(heap);
        heap = 14 << 20;
      },
    });
    trim.start();
    trim.stop();
    trim.check(); // busy (start-up work): no trim
    expect(collected).toEqual([]);
    trim.check(); // quiet: the first trim
    expect(collected).toEqual([20 << 20]);
    trim.check(); // quiet, nothing grew: nothing to give back
    expect(collected).toHaveLength(1);
    heap = 18 << 20;
    trim.check(); // a burst grew the heap: busy, so not now
    expect(collected).toHaveLength(1);
    trim.check(); // the first quiet window after it
    expect(collected).toEqual([20 << 20, 18 << 20]);
    heap += 512 << 10;
    trim.check(); // quiet, grown by less than a megabyte: left alone
    expect(collected).toHaveLength(2);
    expect(trim.trims).toBe(2);
  });

  it("V8's collection for footprint gives back the pages dead objects held", () => {
    // ~40 MB of objects, dead once this returns.
    const grown = (() => {
      const garbage = Array.from({ length: 400_000 }, (_, i) => ({ i, text: `entry ${i}` }));
      expect(garbage.length).toBe(400_000);
      return v8.getHeapStatistics().total_heap_size;
    })();
    const trim = new IdleTrim({ utilization: scripted([0]) });
    trim.start();
    trim.stop();
    trim.check();
    expect(trim.trims).toBe(1);
    const after = v8.getHeapStatistics().total_heap_size;
    // Their pages are no longer committed.
    expect(grown - after).toBeGreaterThan(15 << 20);
    // The collection was fetched through a context of its own: the test's global has no gc.
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});

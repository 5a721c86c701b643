import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * A daemon that has gone quiet gives back the heap its work grew into (issue 18: idle
 * RSS ≤ 2× a bare node). V8 keeps the pages a burst, a search or the start-up scans
 * grew its heap into, committed and resident, long after their objects died: measured
 * on a year's home, 4–8 MB of an idle daemon's ~84 MB. One full collection that
 * compacts for footprint (V8's "last resort" collection, what it runs itself before
 * giving up on memory) returns them.
 *
 * When: the check runs every `checkMs` (10 s, off the loop's critical path: a timer
 * that keeps nothing alive). A window in which the event loop was busy less than
 * `quietUtilization` is quiet; the first quiet window after the heap has grown by
 * `growthBytes` since the last trim (or after the start) trims. So an idle daemon
 * trims once, after its start-up work, and again only after work that grew its heap —
 * never during a burst, never over and over while nothing happens. A collection takes
 * 10–60 ms on this daemon's 15–20 MB heap; a delivery that arrives during it waits
 * that long, once. At most one a window: under 0.5 % of a core even if every window
 * followed work.
 */
export interface IdleTrimOptions {
  checkMs?: number;
  quietUtilization?: number;
  growthBytes?: number;
  /** The collection; V8's own by default (tests count calls instead). */
  collect?: () => void;
  /** The committed heap in bytes; V8's by default. */
  heapBytes?: () => number;
  /** The loop's utilization since `previous`; perf_hooks' by default. */
  utilization?: (previous?: EventLoopUtilization) => EventLoopUtilization;
}

const CHECK_MS = 10_000;
const QUIET_UTILIZATION = 0.01;
const GROWTH_BYTES = 1 << 20;

export class IdleTrim {
  private timer: NodeJS.Timeout | undefined;
  private window: EventLoopUtilization | undefined;
  /** The committed heap after the last trim; 0 before the first, so a quiet start trims once. */
  private trimmedAt = 0;
  private readonly options: Required<IdleTrimOptions>;
  trims = 0;

  constructor(options: IdleTrimOptions = {}) {
    this.options = {
      checkMs: options.checkMs ?? CHECK_MS,
      quietUtilization: options.quietUtilization ?? QUIET_UTILIZATION,
      growthBytes: options.growthBytes ?? GROWTH_BYTES,
      collect: options.collect ?? footprintCollection(),
      heapBytes: options.heapBytes ?? (() => v8.getHeapStatistics().total_heap_size),
      utilization: options.utilization ?? ((previous) => performance.eventLoopUtilization(previous)),
    };
  }

  start(): void {
    this.window = this.options.utilization();
    this.timer = setInterval(() => this.check(), this.options.checkMs).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One check: the window since the last one, then maybe a trim. */
  check(): void {
    const now = this.options.utilization();
    const window = this.options.utilization(this.window);
    this.window = now;
    if (window.utilization >= this.options.quietUtilization) return;
    if (this.options.heapBytes() - this.trimmedAt < this.options.growthBytes) return;
    this.options.collect();
    this.trims++;
    this.trimmedAt = this.options.heapBytes();
  }
}

/**
 * V8's collection for footprint, reached the way Node allows after start: `--expose-gc`
 * set at run time makes `gc` a global of contexts created afterwards, and this one
 * context is made only to fetch it. The daemon's own global gets no `gc`.
 */
function footprintCollection(): () => void {
  let gc: ((options: object) => void) | undefined;
  return () => {
    if (!gc) {
      v8.setFlagsFromString('--expose-gc');
      gc = vm.runInNewContext('gc') as (options: object) => void;
    }
    gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  };
}

import { setTimeout as rest } from 'node:timers/promises';
import type { Clock } from '../clock.js';
import { eventRecord, type EventRecord } from '../events.js';
import type { PruneReport } from '../store/index.js';
import type { StoreTrouble } from './store-trouble.js';

/** A store's retention: each step of a pass one short transaction (SQLite's synchronous, a team's over the network). */
export interface PrunableStore<R extends PruneReport> {
  retention: { steps(now: number, retainMs: number): Iterator<unknown, R> | AsyncIterator<unknown, R> };
}

export interface StorePrunerDeps<R extends PruneReport = PruneReport> {
  store: PrunableStore<R>;
  clock: Clock;
  retainDays: () => number;
  record: (record: EventRecord) => void;
  /** A failed pass: the wait before the next (the daemon's StoreTrouble rethrows what is not transient). */
  trouble: Pick<StoreTrouble, 'failed'>;
}

const DAY_MS = 86_400_000;
/** After start, once the start-up work and the first deliveries are through. */
const FIRST_PASS_MS = 5 * 60_000;
const PASS_EVERY_MS = 6 * 3_600_000;
/**
 * After each step the pass rests, on a timer, this many times as long as the step took:
 * it holds the loop a third of the time at most. Measured on a year's home in a running
 * daemon taking 50 deliveries a second (`npm run bench -- prune`): with only a
 * `setImmediate` between steps, the loop kept turning (steps under 15 ms, gaps under
 * 13 ms, every delivery answered), yet its timers went unserved for 0.4–1.3 s in about
 * half the passes — the loop-delay monitor's own among them. Resting on a timer, in
 * proportion: no turn over 50 ms in 6 runs of 7 (one of 80 ms, near the pass's end);
 * the year's first pass takes 2–3 s instead of 0.5–1.2. Why the immediates crowded the timers out is not pinned down.
 */
const REST_PER_STEP = 2;

/**
 * Runs the store's retention (`store.retainDays`) a few times a day. A pass is many
 * small transactions with a rest between them (REST_PER_STEP), so a delivery that
 * arrives mid-pass waits for one step at most, not for the pass, and timers keep time.
 */
export class StorePruner<R extends PruneReport = PruneReport> {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<R | undefined> | undefined;
  private stopped = false;

  constructor(private readonly deps: StorePrunerDeps<R>) {}

  start(): void {
    this.arm(FIRST_PASS_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One pass now; logged `store.pruned` when it removed anything. Undefined when stopped mid-pass. */
  run(): Promise<R | undefined> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private arm(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.run().then(
        () => this.arm(PASS_EVERY_MS),
        (err: unknown) => this.arm(this.deps.trouble.failed('store retention', err)),
      );
    }, ms);
    this.timer.unref();
  }

  private async pass(): Promise<R | undefined> {
    const { store, clock } = this.deps;
    const started = clock.now();
    const steps = store.retention.steps(started, this.deps.retainDays() * DAY_MS);
    for (;;) {
      const stepStarted = performance.now();
      const step = await steps.next();
      const stepMs = performance.now() - stepStarted;
      if (step.done) {
        const report = step.value;
        if (Object.values(report).some((n: number) => n > 0)) {
          this.deps.record(eventRecord('store.pruned', { ...report, retainDays: this.deps.retainDays(), ms: clock.now() - started }, clock.now()));
        }
        return report;
      }
      await rest(Math.max(1, REST_PER_STEP * stepMs));
      if (this.stopped) return undefined;
    }
  }
}

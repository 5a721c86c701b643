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
  /**
   * A failed pass: the wait before the next (the daemon's StoreTrouble rethrows what is
   * not transient, and logs `store.unavailable` once); a pass after failures: `store.recovered`.
   */
  trouble: Pick<StoreTrouble, 'failed' | 'succeeded'>;
}

const DAY_MS = 86_400_000;
/** The task's name in `store.unavailable` and `store.recovered`. */
const TASK = 'store retention';
/** After start, once the start-up work and the first deliveries are through. */
const FIRST_PASS_MS = 5 * 60_000;
const PASS_EVERY_MS = 6 * 3_600_000;
/**
 * After each step the pass rests, on a timer, this many times as long as the step took:
 * it holds the write lock a third of the time at most. The worker writes to the same
 * database from its own process, and better-sqlite3 waits for a lock synchronously, so
 * a pass that takes the lock back at once (a bare `setImmediate` between steps) starves
 * it: measured on a year's home in a running daemon taking 50 deliveries a second
 * (`npm run bench -- prune`), the worker's loop stood still for 0.58–0.94 s, the whole
 * pass, in 4 runs of 4, while the daemon's own loop never turned slower than 25 ms.
 * Resting in proportion: the worker's longest turn 31–41 ms, the daemon's under 25; the
 * year's first pass takes 1.6–2.3 s instead of 0.6–0.8.
 */
const REST_PER_STEP = 2;

/**
 * Runs the store's retention (`store.retainDays`) a few times a day. A pass is many
 * small transactions with a rest between them (REST_PER_STEP), so a delivery that
 * arrives mid-pass waits for one step at most, not for the pass, and the worker gets
 * the write lock between steps.
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
        () => {
          this.deps.trouble.succeeded(TASK);
          this.arm(PASS_EVERY_MS);
        },
        (err: unknown) => this.arm(this.deps.trouble.failed(TASK, err)),
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

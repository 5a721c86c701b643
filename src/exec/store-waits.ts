import { setTimeout as sleep } from 'node:timers/promises';
import { backoffMs, isTransientStoreError, withStoreRetry } from '../store/index.js';
import { errorText } from '../errors.js';

/**
 * The worker's side of "vigil survives its store" (issue 12): another process holding
 * the write lock past the busy timeout, or a full disk, pauses the worker's loop with a
 * growing wait instead of killing it (a dead worker is restarted with backoff, and its
 * running actions are retried — more work, not less). Said once per run on stdout.
 */
export class StoreWaits {
  private failures = 0;

  constructor(private readonly print: (line: string) => void) {}

  /** One turn of the loop: its result, or true after waiting out a transient store error. */
  async round(fn: () => Promise<boolean>): Promise<boolean> {
    try {
      const result = await fn();
      this.recovered();
      return result;
    } catch (err) {
      if (!isTransientStoreError(err)) throw err;
      await sleep(this.failed(err));
      return true;
    }
  }

  /** Until it succeeds: an outcome that happened must be recorded. */
  async until<T>(fn: () => T): Promise<T> {
    const value = await withStoreRetry(fn, {
      deadlineMs: Number.POSITIVE_INFINITY,
      retryable: isTransientStoreError,
      onRetry: (err) => void this.failed(err),
    });
    this.recovered();
    return value;
  }

  private failed(err: unknown): number {
    this.failures++;
    const delay = backoffMs(this.failures);
    if (this.failures === 1) this.print(`vigil worker: the store is out of reach (${errorText(err)}); waiting`);
    return delay;
  }

  private recovered(): void {
    if (this.failures === 0) return;
    this.print(`vigil worker: the store is back after ${this.failures} failed attempt(s)`);
    this.failures = 0;
  }
}

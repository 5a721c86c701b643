import type { Clock } from '../clock.js';
import { eventRecord, type EventRecord } from '../events.js';
import { backoffMs, isTransientStoreError, STORE_BACKOFF, withStoreRetry } from '../store/index.js';
import type { Oplog } from './oplog.js';
import { errorText } from '../errors.js';

export interface StoreTroubleDeps {
  oplog: Oplog;
  /** The daily log; it may fail too (a full disk): then stdout alone carries the line. */
  record: (record: EventRecord) => void;
  clock: Clock;
}

/** A full disk or an I/O error on the log files passes the way the store's do. */
const DISK_CODES = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EAGAIN']);

/** Worth another round later: the store's lock, a full disk, an I/O error. */
export function isTransient(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return isTransientStoreError(err) || (typeof code === 'string' && DISK_CODES.has(code));
}

export type Round<T> = { ok: true; value: T } | { ok: false; retryInMs: number };

/**
 * How the daemon's timers and loops meet a store they cannot reach (issue 12): the
 * round fails, is reported, and comes again after a backoff — the daemon carries on.
 * Only the first failure of a run and the recovery are logged, so a long lock writes
 * two lines, not one per retry. An error that is not transient (a bug, a schema that
 * is gone) is rethrown: the process-level handler logs it and exits 70.
 */
export class StoreTrouble {
  private readonly failing = new Map<string, { since: number; failures: number }>();

  constructor(private readonly deps: StoreTroubleDeps) {}

  /** One synchronous round of `task`; a transient failure says when to try again. */
  attempt<T>(task: string, fn: () => T): Round<T> {
    let value: T;
    try {
      value = fn();
    } catch (err) {
      return { ok: false, retryInMs: this.failed(task, err) };
    }
    this.succeeded(task);
    return { ok: true, value };
  }

  /** Until it succeeds, waiting between attempts on the loop's timers. */
  async retry<T>(task: string, fn: () => T | Promise<T>, signal?: AbortSignal): Promise<T> {
    const value = await withStoreRetry(fn, {
      deadlineMs: Number.POSITIVE_INFINITY,
      backoff: STORE_BACKOFF,
      retryable: isTransient,
      onRetry: (err) => this.failed(task, err),
      ...(signal ? { signal } : {}),
    });
    this.succeeded(task);
    return value;
  }

  /** Report a failure of `task`; returns the backoff before its next round. Rethrows what is not transient. */
  failed(task: string, err: unknown): number {
    if (!isTransient(err)) throw err;
    const run = this.failing.get(task) ?? { since: this.deps.clock.now(), failures: 0 };
    run.failures++;
    this.failing.set(task, run);
    const retryInMs = backoffMs(run.failures);
    if (run.failures === 1) {
      const error = errorText(err);
      this.deps.oplog.warn('store unavailable, retrying', { task, error, retryInMs });
      this.record(eventRecord('store.unavailable', { task, error, retryInMs }, this.deps.clock.now()));
    }
    return retryInMs;
  }

  succeeded(task: string): void {
    const run = this.failing.get(task);
    if (!run) return;
    this.failing.delete(task);
    const afterMs = this.deps.clock.now() - run.since;
    this.deps.oplog.info('store reachable again', { task, failures: run.failures, afterMs });
    this.record(eventRecord('store.recovered', { task, failures: run.failures, afterMs }, this.deps.clock.now()));
  }

  private record(record: EventRecord): void {
    try {
      this.deps.record(record);
    } catch {
      // The daily log is out of reach too; the oplog line above is the record.
    }
  }
}

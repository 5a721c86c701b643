import { setTimeout as sleep } from 'node:timers/promises';

/**
 * What a caller does when the store is briefly out of reach (issue 12). better-sqlite3
 * is synchronous: a long `busy_timeout` would freeze the daemon's event loop for as
 * long as another process holds the write lock. So the daemon's connection waits only
 * `DAEMON_BUSY_TIMEOUT_MS` inside SQLite, and callers wait longer *between* attempts,
 * asynchronously, with this module.
 */

/** How long one statement of the daemon may block its loop waiting for the write lock. */
export const DAEMON_BUSY_TIMEOUT_MS = 150;
/** CLI commands, the dream child and migrations at start have no loop to keep alive. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** Another connection holds the lock: trying again later will do. */
export function isStoreBusy(err: unknown): boolean {
  const code = sqliteCode(err);
  return code !== undefined && /^SQLITE_(BUSY|LOCKED)(_|$)/.test(code);
}

/**
 * The store failed for a reason outside vigil that may pass: the lock, a full disk,
 * an I/O error. A schema error or a corrupt file will not pass by waiting.
 */
export function isTransientStoreError(err: unknown): boolean {
  const code = sqliteCode(err);
  return code !== undefined && (isStoreBusy(err) || /^SQLITE_(FULL|IOERR|PROTOCOL)(_|$)/.test(code));
}

function sqliteCode(err: unknown): string | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

export interface Backoff {
  /** The first wait; each next one doubles. */
  firstMs: number;
  maxMs: number;
}

/** Between timer rounds: short enough that an approval expires soon after a lock is gone. */
export const STORE_BACKOFF: Backoff = { firstMs: 250, maxMs: 4000 };

/** The wait before attempt `failures + 1`, `failures` ≥ 1. */
export function backoffMs(failures: number, backoff: Backoff = STORE_BACKOFF): number {
  return Math.min(backoff.maxMs, backoff.firstMs * 2 ** Math.max(0, failures - 1));
}

export interface RetryOptions {
  /** Give up (rethrow the last error) once this much time has passed. Default 30 s. */
  deadlineMs?: number;
  backoff?: Backoff;
  /** Which errors are worth another attempt; others are rethrown at once. Default: `isStoreBusy`. */
  retryable?: (err: unknown) => boolean;
  /** Told before each wait (e.g. to log the first one). */
  onRetry?: (err: unknown, failures: number, delayMs: number) => void;
  signal?: AbortSignal;
  /** Milliseconds now; only elapsed time matters. Default `performance.now`. */
  now?: () => number;
}

/**
 * Run `fn` (a synchronous store call, or an async one) until it succeeds, waiting with
 * growing delays on the event loop's timers — never inside SQLite — while the error is
 * retryable. Each attempt blocks the loop at most the connection's busy timeout.
 *
 *     const id = await withStoreRetry(() => store.transaction(() => ...), { deadlineMs: 2000 });
 */
export async function withStoreRetry<T>(fn: () => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  const now = options.now ?? (() => performance.now());
  const retryable = options.retryable ?? isStoreBusy;
  const deadline = now() + (options.deadlineMs ?? 30_000);
  for (let failures = 1; ; failures++) {
    try {
      return await fn();
    } catch (err) {
      const delayMs = backoffMs(failures, options.backoff);
      if (!retryable(err) || now() + delayMs > deadline || options.signal?.aborted) throw err;
      options.onRetry?.(err, failures, delayMs);
      await sleep(delayMs, undefined, options.signal ? { signal: options.signal } : {});
    }
  }
}

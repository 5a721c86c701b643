import type { Clock } from '../clock.js';
import type { CircuitBreaker } from './circuit.js';
import type { CircuitChange, ModelCall, ModelObserver, Usage } from './decision.js';
import { abortableSleep, backoffDelay, type RetryPolicy } from './retry.js';
import { ModelCallError, stoppedError } from './transport.js';

/** How every model call behind an API is made: deadline, retries, circuit, redacted errors. */
export interface CallPolicy {
  /** Per call, connection to last byte (a stream that stalls mid-way times out too). */
  timeoutMs: number;
  retry: RetryPolicy;
  circuit: CircuitBreaker;
  clock: Clock;
  redact: (text: string) => string;
  /** Seams for tests: the backoff wait and its jitter. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

/** What the observer is told of a completed call, besides its tokens and duration. */
export type CallLabel = Omit<ModelCall, 'usage' | 'durationMs'>;

/**
 * Backoff spent inside one call at most. A longer `retry-after` ends it instead: a
 * decision's event goes back to the inbox and is tried again when the server allows.
 */
const MAX_INLINE_WAIT_MS = 60_000;

/**
 * One model call, retried while the failure is transient, the budget lasts and the
 * circuit stays closed. `send` is one HTTP round trip under the signal it is given;
 * `stop` ends the call and any backoff at once (vigil stopping, a task cancelled).
 */
export async function callWithPolicy<T extends { usage: Usage }>(
  policy: CallPolicy,
  label: CallLabel,
  send: (signal: AbortSignal) => Promise<T>,
  observer: ModelObserver,
  stop?: AbortSignal,
): Promise<T> {
  const { circuit, clock, retry } = policy;
  for (let attempt = 1; ; attempt++) {
    const now = clock.now();
    if (!circuit.tryAcquire(now)) throw circuitOpen(circuit.blockedUntil(now) ?? now);
    const started = performance.now();
    let failure: ModelCallError;
    try {
      const result = await sendWithDeadline(policy, send, stop);
      report(policy, circuit.recordSuccess(), observer);
      observer.call({ ...label, usage: result.usage, durationMs: performance.now() - started });
      return result;
    } catch (err) {
      failure = err as ModelCallError;
    }
    // Stopping, or a server that refuses the request's shape: no retry, and no strike against the server.
    if (failure.aborted || failure.code === 'VIGIL_ERR_MODEL_CONFIG') {
      circuit.release();
      throw failure;
    }
    report(policy, circuit.recordFailure(clock.now(), failure.detail), observer);
    const blocked = circuit.blockedUntil(clock.now());
    if (blocked !== undefined) throw Object.assign(failure, { retryAt: blocked });
    if (!failure.retryable || attempt > retry.retries) throw failure;
    const delayMs = failure.retryAfterMs ?? backoffDelay(attempt, retry, policy.random);
    if (delayMs > MAX_INLINE_WAIT_MS) throw Object.assign(failure, { retryAt: clock.now() + delayMs });
    const status = failure.status !== undefined ? { status: failure.status } : {};
    observer.retry({ model: label.model, attempt, error: failure.detail, ...status, delayMs });
    await (policy.sleep ?? abortableSleep)(delayMs, stop).catch(() => {
      throw stoppedError();
    });
  }
}

/** The SDK timeout covers the wait for headers; this deadline also covers a stream that stalls. */
async function sendWithDeadline<T>(policy: CallPolicy, send: (signal: AbortSignal) => Promise<T>, stop: AbortSignal | undefined): Promise<T> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new Error('deadline')), policy.timeoutMs);
  timer.unref();
  const signal = stop ? AbortSignal.any([stop, deadline.signal]) : deadline.signal;
  const timedOut = () => new ModelCallError(`timed out after ${policy.timeoutMs / 1000} s`, { retryable: true });
  try {
    const result = await send(signal);
    // Some SDK streams end quietly when aborted: a cut-off answer is not an answer.
    if (stop?.aborted) return Promise.reject(stoppedError());
    if (deadline.signal.aborted) return Promise.reject(timedOut());
    return result;
  } catch (err) {
    if (stop?.aborted) return Promise.reject(stoppedError());
    if (deadline.signal.aborted) return Promise.reject(timedOut());
    if (err instanceof ModelCallError) {
      const { retryable, status, retryAfterMs, aborted } = err;
      const code = err.code === 'VIGIL_ERR_MODEL_CONFIG' ? err.code : undefined;
      return Promise.reject(new ModelCallError(policy.redact(err.detail), { retryable, status, retryAfterMs, aborted }, code));
    }
    return Promise.reject(new ModelCallError(policy.redact(String((err as Error)?.message ?? err)), { retryable: false }));
  } finally {
    clearTimeout(timer);
  }
}

function circuitOpen(until: number): ModelCallError {
  const detail = `no model calls until ${new Date(until).toISOString()}`;
  return new ModelCallError(detail, { retryable: false, retryAt: until }, 'VIGIL_ERR_MODEL_CIRCUIT_OPEN');
}

function report(policy: CallPolicy, change: CircuitChange | undefined, observer: ModelObserver): void {
  if (change) observer.circuit(change.state === 'open' ? { ...change, error: policy.redact(change.error) } : change);
}

import type { Clock } from '../clock.js';
import { VigilError } from '../errors.js';
import type { CircuitBreaker } from './circuit.js';
import { decideTool } from './decide-tool.js';
import {
  addUsage,
  DecisionInput,
  type CircuitChange,
  type Decision,
  type DecisionRequest,
  type DecisionResult,
  type ModelObserver,
  type ModelProvider,
} from './decision.js';
import { abortableSleep, backoffDelay, type RetryPolicy } from './retry.js';
import { ModelCallError, stoppedError, type Transport, type Turn, type TurnResult } from './transport.js';

export interface RemoteProviderOptions {
  transport: Transport;
  /** The model per purpose: a cheap one may serve ticks, a stronger one events. */
  models: Record<DecisionRequest['purpose'], string>;
  maxTokens: number;
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

/**
 * Backoff spent inside one decision at most. A longer `retry-after` ends the decision
 * instead: the event goes back to the inbox and is tried again when the server allows.
 */
const MAX_INLINE_WAIT_MS = 60_000;

const SILENT: ModelObserver = { call() {}, retry() {}, invalid() {}, circuit() {} };

/**
 * A model behind an API: builds the turn (redacted prompt, the `decide` tool), retries
 * transient failures with backoff and jitter, keeps the circuit breaker informed, and
 * validates the answer — an invalid one is shown its error and asked once more.
 */
export class RemoteProvider implements ModelProvider {
  readonly name: string;

  constructor(private readonly options: RemoteProviderOptions) {
    this.name = options.transport.provider;
  }

  blockedUntil(now: number): number | undefined {
    return this.options.circuit.blockedUntil(now);
  }

  circuitStatus(now: number) {
    return this.options.circuit.status(now);
  }

  async decide(request: DecisionRequest): Promise<DecisionResult> {
    const { redact } = this.options;
    const model = this.options.models[request.purpose];
    const observer = request.observer ?? SILENT;
    const [raw, tool] = await Promise.all([request.prompt(), decideTool(), this.options.transport.ready()]);
    const prompt = { system: redact(raw.system), stable: redact(raw.stable), dynamic: redact(raw.dynamic) };
    const turn = { model, maxTokens: this.options.maxTokens, prompt, tool };
    const first = await this.call(turn, request, observer);
    let usage = first.usage;
    let checked = check(first);
    if (!checked.ok) {
      observer.invalid({ model, error: redact(checked.error), retrying: true });
      const repair = { callId: first.callId, input: first.input, text: first.text, error: checked.error };
      const second = await this.call({ ...turn, repair }, request, observer);
      usage = addUsage(usage, second.usage);
      checked = check(second);
      if (!checked.ok) {
        observer.invalid({ model, error: redact(checked.error), retrying: false });
        throw new VigilError('VIGIL_ERR_DECISION_INVALID', redact(checked.error));
      }
    }
    return { decision: checked.decision, model, usage };
  }

  /** One model call, retried while the failure is transient, the budget lasts and the circuit stays closed. */
  private async call(turn: Omit<Turn, 'signal'>, request: DecisionRequest, observer: ModelObserver): Promise<TurnResult> {
    const { circuit, clock, retry } = this.options;
    for (let attempt = 1; ; attempt++) {
      const now = clock.now();
      if (!circuit.tryAcquire(now)) throw this.circuitOpen(circuit.blockedUntil(now) ?? now);
      const started = performance.now();
      let failure: ModelCallError;
      try {
        const result = await this.sendWithDeadline(turn, request.signal);
        this.report(circuit.recordSuccess(), observer);
        const { provider } = this.options.transport;
        const durationMs = performance.now() - started;
        observer.call({ provider, model: turn.model, purpose: request.purpose, eventId: request.event.id, usage: result.usage, durationMs });
        return result;
      } catch (err) {
        failure = err as ModelCallError;
      }
      if (failure.aborted) {
        circuit.release();
        throw failure;
      }
      this.report(circuit.recordFailure(clock.now(), failure.detail), observer);
      const blocked = circuit.blockedUntil(clock.now());
      if (blocked !== undefined) throw Object.assign(failure, { retryAt: blocked });
      if (!failure.retryable || attempt > retry.retries) throw failure;
      const delayMs = failure.retryAfterMs ?? backoffDelay(attempt, retry, this.options.random);
      if (delayMs > MAX_INLINE_WAIT_MS) throw Object.assign(failure, { retryAt: clock.now() + delayMs });
      const status = failure.status !== undefined ? { status: failure.status } : {};
      observer.retry({ model: turn.model, attempt, error: failure.detail, ...status, delayMs });
      await (this.options.sleep ?? abortableSleep)(delayMs, request.signal).catch(() => {
        throw stoppedError();
      });
    }
  }

  /** The SDK timeout covers the wait for headers; this deadline also covers a stream that stalls. */
  private async sendWithDeadline(turn: Omit<Turn, 'signal'>, stop: AbortSignal | undefined): Promise<TurnResult> {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new Error('deadline')), this.options.timeoutMs);
    timer.unref();
    const signal = stop ? AbortSignal.any([stop, deadline.signal]) : deadline.signal;
    const timedOut = () => new ModelCallError(`timed out after ${this.options.timeoutMs / 1000} s`, { retryable: true });
    try {
      const result = await this.options.transport.send({ ...turn, signal });
      // Some SDK streams end quietly when aborted: a cut-off answer is not an answer.
      if (stop?.aborted) return Promise.reject(stoppedError());
      if (deadline.signal.aborted) return Promise.reject(timedOut());
      return result;
    } catch (err) {
      if (stop?.aborted) return Promise.reject(stoppedError());
      if (deadline.signal.aborted) return Promise.reject(timedOut());
      if (err instanceof ModelCallError) {
        const { retryable, status, retryAfterMs, aborted } = err;
        return Promise.reject(new ModelCallError(this.options.redact(err.detail), { retryable, status, retryAfterMs, aborted }));
      }
      return Promise.reject(new ModelCallError(this.options.redact(String((err as Error)?.message ?? err)), { retryable: false }));
    } finally {
      clearTimeout(timer);
    }
  }

  private circuitOpen(until: number): ModelCallError {
    const detail = `no model calls until ${new Date(until).toISOString()}`;
    return new ModelCallError(detail, { retryable: false, retryAt: until }, 'VIGIL_ERR_MODEL_CIRCUIT_OPEN');
  }

  private report(change: CircuitChange | undefined, observer: ModelObserver): void {
    if (change) observer.circuit(change.state === 'open' ? { ...change, error: this.options.redact(change.error) } : change);
  }
}

type Checked = { ok: true; decision: Decision } | { ok: false; error: string };

/** The `decide` input against the zod schema it was generated from. */
function check(result: TurnResult): Checked {
  if (result.input === undefined) return { ok: false, error: 'no call of the decide tool' };
  const parsed = DecisionInput.safeParse(result.input);
  if (parsed.success) return { ok: true, decision: parsed.data };
  const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`);
  return { ok: false, error: issues.join('; ') };
}

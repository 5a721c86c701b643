import { VigilError } from '../errors.js';
import { callWithPolicy, type CallPolicy } from './attempts.js';
import { decideTool } from './decide-tool.js';
import {
  addUsage,
  type Decision,
  type DecisionRequest,
  type DecisionResult,
  type ModelObserver,
  type ModelProvider,
} from './decision.js';
import type { Transport, Turn, TurnResult } from './transport.js';
import { DecideAnswer } from './typed-proposals.js';

export interface RemoteProviderOptions extends CallPolicy {
  transport: Transport;
  /** The model per purpose: a cheap one may serve ticks, a stronger one events. */
  models: Record<DecisionRequest['purpose'], string>;
  maxTokens: number;
}

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

  /** One `decide` round trip under the shared call policy (deadline, retries, circuit). */
  private call(turn: Omit<Turn, 'signal'>, request: DecisionRequest, observer: ModelObserver): Promise<TurnResult> {
    const label = { provider: this.options.transport.provider, model: turn.model, purpose: request.purpose, eventId: request.event.id };
    return callWithPolicy(this.options, label, (signal) => this.options.transport.send({ ...turn, signal }), observer, request.signal);
  }
}

type Checked = { ok: true; decision: Decision } | { ok: false; error: string };

/**
 * The `decide` input against the union its tool schema was generated from: a catalog
 * action's params that fail the catalog's schema are an invalid answer, repaired once.
 */
function check(result: TurnResult): Checked {
  if (result.input === undefined) return { ok: false, error: 'no call of the decide tool' };
  const parsed = DecideAnswer.safeParse(result.input);
  if (parsed.success) return { ok: true, decision: parsed.data };
  const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`);
  return { ok: false, error: issues.join('; ') };
}

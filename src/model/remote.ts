import { VigilError } from '../errors.js';
import { callWithPolicy, type CallPolicy } from './attempts.js';
import { decideTool } from './decide-tool.js';
import type { AnswerBlock, ConversationMessage, ToolResultBlock } from './conversation.js';
import {
  addUsage,
  ZERO_USAGE,
  DECIDE_TOOL_NAME,
  type BudgetLimit,
  type Decision,
  type DecisionBudgets,
  type DecisionRequest,
  type DecisionResult,
  type Investigation,
  type ModelObserver,
  type ModelProvider,
  type ToolCall,
  type Usage,
} from './decision.js';
import { stoppedError, type Transport, type Turn, type TurnResult } from './transport.js';
import { recoverToolInput } from './recover.js';
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
    const [raw, tool, offered] = await Promise.all([request.prompt(), decideTool(), request.investigation?.(), this.options.transport.ready()]);
    const prompt = { system: redact(raw.system), stable: redact(raw.stable), dynamic: redact(raw.dynamic) };
    const investigation = usable(offered);
    const turn = { model, maxTokens: this.options.maxTokens, prompt, tool, ...(investigation ? { tools: investigation.tools } : {}) };
    const looked = investigation
      ? await this.investigate(investigation, turn, request, observer)
      : { last: await this.call(turn, request, observer), history: [], usage: ZERO_USAGE, toolCalls: 0 };
    const { history, toolCalls, limit } = looked;
    let last = recovered(looked.last, model, observer);
    let usage = addUsage(looked.usage, last.usage);
    let checked = check(last);
    let maxTokens = turn.maxTokens;
    if (!checked.ok && last.truncated) {
      // A reasoning model may spend the cap before it calls the tool: one more try with room (issue 23).
      maxTokens = Math.min(turn.maxTokens * 2, MAX_RAISED_TOKENS);
      observer.invalid({ model, error: `${capped(turn.maxTokens)}; retrying with ${maxTokens}`, retrying: true });
      last = recovered(await this.call({ ...turn, maxTokens, history }, request, observer), model, observer);
      usage = addUsage(usage, last.usage);
      checked = check(last);
    }
    if (!checked.ok) {
      const error = last.truncated ? capped(maxTokens) : checked.error;
      observer.invalid({ model, error: redact(error), retrying: true });
      const repair = { callId: last.callId, input: last.input, text: last.text, error };
      const second = recovered(await this.call({ ...turn, maxTokens, history, repair }, request, observer), model, observer);
      usage = addUsage(usage, second.usage);
      checked = check(second);
      if (!checked.ok && second.truncated) checked = { ok: false, error: capped(maxTokens) };
      if (!checked.ok) {
        observer.invalid({ model, error: redact(checked.error), retrying: false });
        throw new VigilError('VIGIL_ERR_DECISION_INVALID', redact(checked.error));
      }
    }
    return { decision: checked.decision, model, usage, ...(investigation ? { toolCalls } : {}), ...(limit ? { limit } : {}) };
  }

  /**
   * The bounded loop: while every budget lasts the model must call a tool — one of the
   * read-only tools, or `decide` — and each tool's result goes back to it. Once a
   * budget is spent the next request forces `decide`. Returns the answer that ended
   * the loop (a `decide` call, or an answer with no call: the repair round follows).
   */
  private async investigate(investigation: Investigation, turn: Omit<Turn, 'signal'>, request: DecisionRequest, observer: ModelObserver): Promise<Looked> {
    const { clock } = this.options;
    const { budgets } = investigation;
    const started = clock.now();
    const deadline = AbortSignal.timeout(budgets.maxSeconds * 1000);
    const toolSignal = request.signal ? AbortSignal.any([request.signal, deadline]) : deadline;
    const history: ConversationMessage[] = [];
    let usage = ZERO_USAGE;
    let toolCalls = 0;
    for (;;) {
      const limit = spent(budgets, toolCalls, totalInput(usage), clock.now() - started);
      const result = await this.call({ ...turn, history: [...history], choice: limit ? 'decide' : 'any' }, request, observer);
      if (limit || result.input !== undefined || result.calls.length === 0) return { last: result, history, usage, toolCalls, ...(limit ? { limit } : {}) };
      usage = addUsage(usage, result.usage);
      const answers: ToolResultBlock[] = [];
      for (const call of result.calls) {
        if (toolCalls >= budgets.maxToolCalls) {
          answers.push({ type: 'tool_result', tool_use_id: call.id, content: NOT_RUN, is_error: true });
          continue;
        }
        toolCalls++;
        const answer = await investigation.run(call, toolSignal);
        // The toolbox redacted it already; the provider's own redactor (its API keys) is the last word, as for the prompt.
        answers.push({ type: 'tool_result', tool_use_id: call.id, content: this.options.redact(answer.content), is_error: answer.isError });
      }
      if (request.signal?.aborted) throw stoppedError();
      history.push(
        { role: 'assistant', content: [...(result.text ? [{ type: 'text' as const, text: result.text }] : []), ...result.calls.map(toolUse)] },
        { role: 'user', content: answers },
      );
    }
  }

  /** One `decide` round trip under the shared call policy (deadline, retries, circuit). */
  private call(turn: Omit<Turn, 'signal'>, request: DecisionRequest, observer: ModelObserver): Promise<TurnResult> {
    const label = { provider: this.options.transport.provider, model: turn.model, purpose: request.purpose, eventId: request.event.id };
    return callWithPolicy(this.options, label, (signal) => this.options.transport.send({ ...turn, signal }), observer, request.signal);
  }
}

interface Looked {
  /** The answer that ended the loop. */
  last: TurnResult;
  history: ConversationMessage[];
  /** Of the calls before `last`. */
  usage: Usage;
  toolCalls: number;
  limit?: BudgetLimit;
}

const NOT_RUN = 'Not run: this decision has used all the tool calls it may (model.decision.maxToolCalls). Call decide now.';

/** No tools offered, or none allowed: the decision is one forced call, as without an investigation. */
function usable(investigation: Investigation | undefined): Investigation | undefined {
  return investigation && investigation.tools.length > 0 && investigation.budgets.maxToolCalls > 0 ? investigation : undefined;
}

function spent(budgets: DecisionBudgets, toolCalls: number, inputTokens: number, elapsedMs: number): BudgetLimit | undefined {
  if (toolCalls >= budgets.maxToolCalls) return 'maxToolCalls';
  if (inputTokens >= budgets.maxInputTokens) return 'maxInputTokens';
  if (elapsedMs >= budgets.maxSeconds * 1000) return 'maxSeconds';
  return undefined;
}

/** Everything the calls read, from the cache or not: what the budget bounds. */
function totalInput(usage: Usage): number {
  return usage.inputTokens + usage.cacheReadTokens + usage.cacheCreationTokens;
}

function toolUse(call: ToolCall): AnswerBlock {
  return { type: 'tool_use', id: call.id, name: call.name, input: call.input };
}

/** Output tokens a raised cap stops at (the config's own maximum). */
const MAX_RAISED_TOKENS = 64_000;

/** The cap, named by its config key, so the owner knows what to raise. */
function capped(maxTokens: number): string {
  return `the answer stopped at the output cap (model.maxTokens = ${maxTokens}) before a complete decide call`;
}

/**
 * A reply without a `decide` call whose text holds a valid one (servers that ignore a
 * forced tool choice, issue 23) is taken as that call; the policy judges it as usual,
 * and the observer logs the fallback. Text that holds nothing valid stays an invalid answer.
 */
function recovered(result: TurnResult, model: string, observer: ModelObserver): TurnResult {
  if (result.input !== undefined) return result;
  const input = recoverToolInput(result.text, DECIDE_TOOL_NAME, (candidate) => DecideAnswer.safeParse(candidate).success);
  if (input === undefined) return result;
  observer.recovered?.({ model, from: result.failedGeneration ? 'failed_generation' : 'content' });
  return { ...result, input };
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

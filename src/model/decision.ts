import { z } from 'zod';
import type { ToolSpec } from './conversation.js';

/** The forced tool every provider answers through (docs/contract.md). */
export const DECIDE_TOOL_NAME = 'decide';

// The descriptions travel into the tool's JSON schema (decide-tool.ts): the model reads them.
export const ProposalInput = z
  .object({
    action: z.string().min(1).describe('An action name from the catalog, e.g. "notify" or "github.label"'),
    params: z.record(z.unknown()).default({}).describe('The action\'s parameters, exactly as the catalog lists them'),
    rationale: z.string().default('').describe('Why this action, in one sentence, for the owner'),
  })
  .strict();

/** Shown with the plain and the typed proposals alike (typed-proposals.ts): the model reads one text. */
export const PROPOSALS_DESCRIPTION = "Actions to propose; the owner's policy decides what runs";

export const DecisionInput = z
  .object({
    act: z.boolean().describe('true when something deserves action; false leaves proposals empty'),
    summary: z.string().describe('One or two sentences: what happened and what you decided'),
    proposals: z.array(ProposalInput).default([]).describe(PROPOSALS_DESCRIPTION),
  })
  .strict();

export type Decision = z.infer<typeof DecisionInput>;
export type ProposalInput = z.infer<typeof ProposalInput>;

/** The event being decided, as the initiative hands it to a provider. */
export interface DecisionEvent {
  id: number;
  source: string;
  kind: string;
  deliveryId?: string;
  payload: unknown;
}

/** Prompt text for model-backed providers: a stable, cacheable prefix and a dynamic suffix. */
export interface Prompt {
  system: string;
  stable: string;
  dynamic: string;
}

/** A call of an investigation tool (not `decide`) in a model's answer. */
export interface ToolCall {
  id: string;
  name: string;
  input: unknown;
}

/** What one decision may spend looking before it must decide (`model.decision`). */
export interface DecisionBudgets {
  maxToolCalls: number;
  /** Input tokens summed over the decision's calls, cached or not. */
  maxInputTokens: number;
  maxSeconds: number;
}

/** The budget that ran out and made the next request force `decide`. */
export type BudgetLimit = 'maxToolCalls' | 'maxInputTokens' | 'maxSeconds';

/**
 * The read-only tools a decision may call before `decide` (issue 14). `run` never
 * throws: a refused or failed call is an error result the model reads, and the
 * content is already capped, redacted and fenced as third-party data.
 */
export interface Investigation {
  tools: readonly ToolSpec[];
  run(call: ToolCall, signal: AbortSignal): Promise<{ content: string; isError: boolean }>;
  budgets: DecisionBudgets;
}

export interface DecisionRequest {
  purpose: 'tick' | 'event';
  /** Tools to look with before deciding, built when a model-backed provider asks; absent or empty: one forced `decide` call. */
  investigation?: () => Promise<Investigation | undefined>;
  event: DecisionEvent;
  /** What the agent knows around the event: repos, reminders, open approvals. Built on demand. */
  context: () => Promise<unknown>;
  /** Built only when a provider needs text: the offline rules provider never does. */
  prompt: () => Promise<Prompt>;
  /** Told about every model call, retry, invalid answer and circuit change while deciding. */
  observer?: ModelObserver;
  /** Aborted when vigil stops: the call and any backoff end at once, and the event waits in the inbox. */
  signal?: AbortSignal;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
}

export interface DecisionResult {
  decision: Decision;
  model: string;
  /** Summed over every call the decision took (a repair round is a second call). */
  usage?: Usage;
  /** Investigation tools run before `decide` (0 without an investigation). */
  toolCalls?: number;
  /** Set when a budget ran out and `decide` was forced. */
  limit?: BudgetLimit;
}

/** What a model call was for: a decision (`tick`, `event`), an agent task's turn, a dream's consolidation. */
export type ModelPurpose = DecisionRequest['purpose'] | 'agent' | 'dream';

/** One completed model call: what `vigil status` adds up per model, purpose and day. */
export interface ModelCall {
  provider: string;
  model: string;
  purpose: ModelPurpose;
  /** The event decided, or the event behind an agent's task; null when there is none. */
  eventId: number | null;
  usage: Usage;
  durationMs: number;
}

/** Circuit state for `vigil status`: `open` until `openUntil`, then one probe call (`half_open`). */
export interface CircuitStatus {
  state: 'closed' | 'open' | 'half_open';
  consecutiveFailures: number;
  openUntil?: string;
}

export type CircuitChange =
  | { state: 'open'; until: number; failures: number; error: string }
  | { state: 'closed'; openedAt: number };

export interface ModelObserver {
  call(call: ModelCall): void;
  retry(retry: { model: string; attempt: number; error: string; status?: number; delayMs: number }): void;
  invalid(invalid: { model: string; error: string; retrying: boolean }): void;
  circuit(change: CircuitChange): void;
  /** A `decide` answer read from the reply's text, not from a tool call (issue 23): the fallback stays visible. */
  recovered?(recovered: { model: string; from: 'content' | 'failed_generation' }): void;
}

/** A model behind the smallest interface the callers need. */
export interface ModelProvider {
  readonly name: string;
  decide(request: DecisionRequest): Promise<DecisionResult>;
  /** When calls may go out again if the circuit is open now; undefined when they may go now. */
  blockedUntil?(now: number): number | undefined;
  circuitStatus?(now: number): CircuitStatus;
}

export const ZERO_USAGE: Usage = Object.freeze({ inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0 });

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheCreationTokens: a.cacheCreationTokens + b.cacheCreationTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
  };
}

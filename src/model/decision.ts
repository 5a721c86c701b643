import { z } from 'zod';

/** The forced tool every provider answers through (DESIGN.md, public contract). */
export const DECIDE_TOOL_NAME = 'decide';

export const ProposalInput = z
  .object({
    action: z.string().min(1),
    params: z.record(z.unknown()).default({}),
    rationale: z.string().default(''),
  })
  .strict();

export const DecisionInput = z
  .object({
    act: z.boolean(),
    summary: z.string(),
    proposals: z.array(ProposalInput).default([]),
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

export interface DecisionRequest {
  purpose: 'tick' | 'event';
  event: DecisionEvent;
  /** What the agent knows around the event: repos, reminders, open approvals. Built on demand. */
  context: () => Promise<unknown>;
  /** Built only when a provider needs text: the offline rules provider never does. */
  prompt: () => Promise<Prompt>;
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
  usage?: Usage;
}

/** A model behind the smallest interface the callers need (STYLE.md §4). */
export interface ModelProvider {
  readonly name: string;
  decide(request: DecisionRequest): Promise<DecisionResult>;
}

import { callWithPolicy, type CallPolicy } from './attempts.js';
import type { ModelObserver, ModelPurpose, Usage } from './decision.js';
import type { UsageRecorder } from './usage.js';

/**
 * A conversation with tools (the agent's loop): the model answers with text and tool
 * calls, the caller runs the tools and sends their results back, turn after turn. The
 * shapes are the Messages API's blocks, provider-neutral in name: what the agent's
 * transcript keeps.
 */

/** A tool the model may call, described by a JSON Schema of its input. */
export interface ToolSpec {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

export type AnswerBlock = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: unknown };

export interface ToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content: string;
  is_error: boolean;
}

export type ConversationMessage = { role: 'user'; content: string | ToolResultBlock[] } | { role: 'assistant'; content: AnswerBlock[] };

export interface ConversationTurn {
  model: string;
  maxTokens: number;
  system: string;
  tools: readonly ToolSpec[];
  messages: readonly ConversationMessage[];
  signal: AbortSignal;
}

export interface ConversationReply {
  content: AnswerBlock[];
  usage: Usage;
}

/** One round trip of a conversation, in one API's shapes; retries live above it. */
export interface ConversationTransport {
  readonly provider: 'anthropic' | 'openai';
  /** Load the SDK (on the first call only); kept out of each call's deadline. */
  ready(): Promise<void>;
  converse(turn: ConversationTurn): Promise<ConversationReply>;
}

export interface ConversationRequest {
  system: string;
  tools: readonly ToolSpec[];
  messages: readonly ConversationMessage[];
  /** The event behind the work, for the usage ledger; null when there is none. */
  eventId: number | null;
  /** Ends the call and any backoff at once (a budget ran out, the owner cancelled). */
  signal: AbortSignal;
}

export interface ConversationOptions extends CallPolicy {
  transport: ConversationTransport;
  model: string;
  /** Output tokens of one answer at most. */
  maxTokens: number;
  /** What the ledger says the tokens were for. */
  purpose: ModelPurpose;
  recorder: UsageRecorder;
  /** Told of retries and circuit changes (each call is already in the ledger). */
  observer?: Pick<ModelObserver, 'retry' | 'circuit'>;
}

const QUIET: Pick<ModelObserver, 'retry' | 'invalid' | 'circuit'> = { retry() {}, invalid() {}, circuit() {} };

/**
 * A model that converses with tools, behind the same policy as decisions: redacted
 * prompts, a deadline per call, retries with backoff, a circuit breaker, and every
 * completed call in the usage ledger under its purpose.
 */
export class ConversationModel {
  readonly model: string;

  constructor(private readonly options: ConversationOptions) {
    this.model = options.model;
  }

  async reply(request: ConversationRequest): Promise<ConversationReply> {
    const { transport, redact, recorder, clock } = this.options;
    await transport.ready();
    const turn = {
      model: this.model,
      maxTokens: this.options.maxTokens,
      system: redact(request.system),
      tools: request.tools,
      messages: request.messages.map((message) => redactMessage(message, redact)),
    };
    const observer: ModelObserver = { ...QUIET, ...this.options.observer, call: (call) => recorder.record(call, clock.now()) };
    const label = { provider: transport.provider, model: this.model, purpose: this.options.purpose, eventId: request.eventId };
    return callWithPolicy(this.options, label, (signal) => transport.converse({ ...turn, signal }), observer, request.signal);
  }
}

/** No secret leaves in a prompt: the task, the tools' answers and the model's own words pass the redactor. */
function redactMessage(message: ConversationMessage, redact: (text: string) => string): ConversationMessage {
  if (message.role === 'assistant') {
    return { role: 'assistant', content: message.content.map((block) => (block.type === 'text' ? { ...block, text: redact(block.text) } : block)) };
  }
  if (typeof message.content === 'string') return { role: 'user', content: redact(message.content) };
  return { role: 'user', content: message.content.map((block) => ({ ...block, content: redact(block.content) })) };
}

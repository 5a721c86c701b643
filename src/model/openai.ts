import { randomBytes } from 'node:crypto';
import type OpenAI from 'openai';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParamsBase,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import type { ConversationMessage } from './conversation.js';
import { ZERO_USAGE, type Usage } from './decision.js';
import { ToolChoiceLadder, type ToolChoiceStep } from './ladder.js';
import { portableSchema } from './portable-schema.js';
import { presetFor, type ServerPreset } from './presets.js';
import { classifySdkError, unsupportedError, type ModelCallError, type Repair, type Transport, type Turn, type TurnResult } from './transport.js';

type Sdk = typeof import('openai');

export interface OpenAIOptions {
  /** Local servers (Ollama, llama.cpp) need none; the client insists on a value. */
  apiKey?: string;
  baseURL?: string;
  timeoutMs: number;
  stream: boolean;
  /** `model.toolChoice`: the ladder's first step (default: the server's preset). */
  toolChoice?: ToolChoiceStep;
  /** `model.extraBody`: provider-specific fields merged into every request (vigil's own keys win). */
  extraBody?: Readonly<Record<string, unknown>>;
  /** `model.server`: the preset to assume instead of the one guessed from `baseURL`. */
  server?: string;
}

/**
 * Any OpenAI-compatible chat-completions endpoint (OpenAI, Ollama, vLLM, llama.cpp
 * server, DeepSeek …) through the `openai` client, imported on the first call. The
 * decision is a forced function call `decide`. These servers cache prompt prefixes by
 * themselves when the bytes repeat, which the stable-first message order allows.
 */
export class OpenAITransport implements Transport {
  readonly provider = 'openai';
  private loaded: Promise<{ sdk: Sdk; client: OpenAI }> | undefined;
  private readonly ladder: ToolChoiceLadder;

  constructor(private readonly options: OpenAIOptions) {
    const endpoint = options.baseURL ?? DEFAULT_BASE_URL;
    this.ladder = new ToolChoiceLadder(endpoint, (model) => options.toolChoice ?? this.preset(model).firstStep);
  }

  /** What vigil assumes of this server and model before it answers (doctor --model shows it). */
  preset(model: string): ServerPreset {
    return presetFor(this.options.baseURL ?? DEFAULT_BASE_URL, model, this.options.server);
  }

  /** The step the next request for `model` starts on. */
  toolChoiceStep(model: string): ToolChoiceStep {
    return this.ladder.current(model);
  }

  async ready(): Promise<void> {
    await this.load();
  }

  /**
   * One decision round trip, on the ladder's current step. A refusal naming
   * `tool_choice` steps down and asks again at once; a reply without a call steps down
   * for the next request (the repair round); Groq's `tool_use_failed` gives its
   * `failed_generation` back as text, for the caller to recover.
   */
  async send(turn: Turn): Promise<TurnResult> {
    const { sdk, client } = await this.load();
    for (;;) {
      const step = this.ladder.current(turn.model);
      let result: TurnResult;
      try {
        result = await this.sendOnce(client, turn, step);
      } catch (err) {
        const generation = failedGeneration(sdk, err);
        if (generation !== undefined) return { input: undefined, callId: '', text: generation, usage: ZERO_USAGE, calls: [], failedGeneration: true };
        const failure = classifySdkError(sdk, err, this.options.timeoutMs);
        if (refusesToolChoice(failure) && this.ladder.stepDown(turn.model, step)) continue;
        throw capabilityError(failure, step) ?? failure;
      }
      if (result.input !== undefined || result.calls.length > 0) this.ladder.worked(turn.model, step);
      else this.ladder.stepDown(turn.model, step);
      return result;
    }
  }

  private async sendOnce(client: OpenAI, turn: Turn, step: ToolChoiceStep): Promise<TurnResult> {
    const preset = this.preset(turn.model);
    const params = { ...this.options.extraBody, ...openaiParams(turn, step, preset) };
    if (!this.options.stream) {
      const completion = await client.chat.completions.create({ ...params, stream: false }, { signal: turn.signal });
      return readCompletion(completion, turn.tool.name);
    }
    const usageChunk = preset.streamOptions ? { stream_options: { include_usage: true } } : {};
    const stream = await client.chat.completions.create({ ...params, stream: true, ...usageChunk }, { signal: turn.signal });
    return await readStream(stream, turn.tool.name);
  }

  private load(): Promise<{ sdk: Sdk; client: OpenAI }> {
    this.loaded ??= import('openai').then((sdk) => ({
      sdk,
      client: new sdk.default({
        apiKey: this.options.apiKey ?? 'none',
        baseURL: this.options.baseURL ?? DEFAULT_BASE_URL,
        maxRetries: 0,
        timeout: this.options.timeoutMs,
        logLevel: 'warn',
      }),
    }));
    this.loaded.catch(() => (this.loaded = undefined));
    return this.loaded;
  }
}

const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/**
 * The system message carries the stable prefix, so the first bytes repeat from call to
 * call. Below the `named` step the choice no longer forces `decide`; at `auto` a last
 * user message asks for the call in words.
 */
export function openaiParams(
  turn: Turn,
  step: ToolChoiceStep = 'named',
  preset: Pick<ServerPreset, 'toolMessageName' | 'portableSchemas'> = { toolMessageName: true, portableSchemas: true },
): ChatCompletionCreateParamsBase {
  const any = turn.choice === 'any';
  const named = preset.toolMessageName;
  return {
    model: turn.model,
    max_tokens: turn.maxTokens,
    // Below the named step only the offer can force decide: with one tool, "required" means it.
    tools: [turn.tool, ...(any || step === 'named' ? (turn.tools ?? []) : [])].map((tool) => ({
      type: 'function' as const,
      function: { name: tool.name, description: tool.description, parameters: preset.portableSchemas ? portableSchema(tool.inputSchema) : tool.inputSchema },
    })),
    tool_choice: step === 'auto' ? 'auto' : any || step === 'required' ? 'required' : { type: 'function', function: { name: turn.tool.name } },
    messages: [
      { role: 'system', content: `${turn.prompt.system}\n\n${turn.prompt.stable}` },
      { role: 'user', content: turn.prompt.dynamic },
      ...chatHistory(turn.history ?? [], named),
      ...repairMessages(turn.repair, turn.tool.name, named),
      ...(step === 'auto' ? [{ role: 'user' as const, content: any ? CALL_A_TOOL : CALL_DECIDE }] : []),
    ],
  };
}

const CALL_DECIDE = 'Answer now by calling the decide function with your decision. Do not answer in prose.';
const CALL_A_TOOL = 'Answer by calling one of the functions: a read-only tool to look further, or decide with your decision. Do not answer in prose.';

/** Tool messages carry the function's name too: Gemini's endpoint refuses one without it. */
function chatHistory(history: readonly ConversationMessage[], withNames: boolean): ChatCompletionMessageParam[] {
  const names = new Map<string, string>();
  for (const message of history) {
    if (message.role !== 'assistant' || !withNames) continue;
    for (const block of message.content) if (block.type === 'tool_use') names.set(block.id, block.name);
  }
  return history.flatMap((message) => chatMessages(message, names));
}

/** The investigation's turns in chat-completions shapes: tool calls on the assistant message, one `tool` message per result. */
function chatMessages(message: ConversationMessage, names: ReadonlyMap<string, string>): ChatCompletionMessageParam[] {
  if (message.role === 'assistant') {
    const text = message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('\n');
    const calls = message.content.flatMap((block) =>
      block.type === 'tool_use' ? [{ id: block.id, type: 'function' as const, function: { name: block.name, arguments: JSON.stringify(block.input) } }] : [],
    );
    return [{ role: 'assistant', content: text || null, ...(calls.length ? { tool_calls: calls } : {}) }];
  }
  if (typeof message.content === 'string') return [{ role: 'user', content: message.content }];
  return message.content.map((block) =>
    toolMessage(block.tool_use_id, names.get(block.tool_use_id) ?? '', block.is_error ? `Error: ${block.content}` : block.content),
  );
}

/** `name` is not in the client's types (OpenAI ignores it), but several compatible servers want it. */
function toolMessage(id: string, name: string, content: string): ChatCompletionMessageParam {
  return { role: 'tool', tool_call_id: id, content, ...(name ? { name } : {}) } as ChatCompletionMessageParam;
}

/**
 * The repair round. Without a usable call it is a plain user message (a tool message
 * answering no call is refused by strict servers); with one, the call and a tool
 * message that names it and never has an empty id.
 */
function repairMessages(repair: Repair | undefined, toolName: string, withName: boolean): ChatCompletionMessageParam[] {
  if (!repair) return [];
  const correction = `Your decide input was invalid: ${repair.error}. Call decide again with a corrected input.`;
  if (repair.input === undefined) {
    return [
      { role: 'assistant', content: repair.text || '(no answer)' },
      { role: 'user', content: `You answered without calling the decide function. ${correction}` },
    ];
  }
  const id = repair.callId || generatedCallId();
  const call = { id, type: 'function' as const, function: { name: toolName, arguments: JSON.stringify(repair.input) } };
  return [{ role: 'assistant', content: repair.text || null, tool_calls: [call] }, toolMessage(id, withName ? toolName : '', correction)];
}

/** Gemini's endpoint answers tool calls with id `""`: the history needs ids that pair calls with results. */
function generatedCallId(): string {
  return `call_${randomBytes(9).toString('hex')}`;
}

function readCompletion(completion: ChatCompletion, toolName: string): TurnResult {
  const message = completion.choices[0]?.message;
  const functions = (message?.tool_calls ?? []).flatMap((c) => (c.type === 'function' ? [{ id: c.id, name: c.function.name, args: c.function.arguments }] : []));
  const result = readCalls(functions, toolName, message?.content ?? '', readUsage(completion.usage));
  return completion.choices[0]?.finish_reason === 'length' ? { ...result, truncated: true } : result;
}

/** Function-call arguments arrive as JSON text in pieces; usage comes in the last chunk. */
async function readStream(stream: AsyncIterable<ChatCompletionChunk>, toolName: string): Promise<TurnResult> {
  const calls = new Map<number, { id: string; name: string; args: string }>();
  let text = '';
  let usage: CompletionUsage | undefined | null;
  let truncated = false;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    if (chunk.choices[0]?.finish_reason === 'length') truncated = true;
    const delta = chunk.choices[0]?.delta;
    if (!delta) continue;
    if (delta.content) text += delta.content;
    for (const piece of delta.tool_calls ?? []) {
      const call = calls.get(piece.index) ?? { id: '', name: '', args: '' };
      call.id ||= piece.id ?? '';
      call.name ||= piece.function?.name ?? '';
      call.args += piece.function?.arguments ?? '';
      calls.set(piece.index, call);
    }
  }
  const result = readCalls([...calls.values()], toolName, text, readUsage(usage));
  return truncated ? { ...result, truncated: true } : result;
}

/** The first call of the forced tool is the answer; the others are investigation tools it called. */
function readCalls(functions: { id: string; name: string; args: string }[], toolName: string, text: string, usage: Usage): TurnResult {
  functions = functions.map((c) => (c.id ? c : { ...c, id: generatedCallId() }));
  const answer = functions.find((c) => c.name === toolName);
  const calls = functions.filter((c) => c.name !== toolName).map((c) => ({ id: c.id, name: c.name, input: parseArguments(c.args) }));
  return { input: parseArguments(answer?.args), callId: answer?.id ?? '', text, usage, calls };
}

/** Arguments that are not JSON are still an answer: the repair round shows the model its error. */
function parseArguments(args: string | undefined): unknown {
  if (args === undefined) return undefined;
  try {
    return JSON.parse(args) as unknown;
  } catch {
    return { unparsedArguments: args };
  }
}

/** `cached_tokens` (OpenAI, vLLM) or `prompt_cache_hit_tokens` (DeepSeek) are part of `prompt_tokens`. */
function readUsage(usage: CompletionUsage | undefined | null): Usage {
  const raw = (usage ?? {}) as Partial<CompletionUsage> & { prompt_cache_hit_tokens?: number };
  const prompt = raw.prompt_tokens ?? 0;
  const cached = Math.min(prompt, raw.prompt_tokens_details?.cached_tokens ?? raw.prompt_cache_hit_tokens ?? 0);
  return { inputTokens: prompt - cached, outputTokens: raw.completion_tokens ?? 0, cacheCreationTokens: 0, cacheReadTokens: cached };
}

/** Groq's 400 `tool_use_failed` carries the model's generation that did not parse as a call. */
function failedGeneration(sdk: Sdk, err: unknown): string | undefined {
  if (!(err instanceof sdk.APIError) || err.status !== 400) return undefined;
  const body = err.error as { failed_generation?: unknown } | undefined;
  return typeof body?.failed_generation === 'string' ? body.failed_generation : undefined;
}

function refusesToolChoice(failure: ModelCallError): boolean {
  return (failure.status === 400 || failure.status === 422) && /tool_choice/i.test(failure.detail);
}

/**
 * A refusal of the request's shape, with the fix: no retry or cool-down makes the
 * server accept it. Matched on the servers' own words (issue 23's sources).
 */
function capabilityError(failure: ModelCallError, step: ToolChoiceStep): ModelCallError | undefined {
  const { status, detail } = failure;
  if (/--jinja/i.test(detail)) return unsupportedError(detail, 'llama-server parses tool calls only with its chat templates: start it with --jinja', status);
  if (status !== 400 && status !== 422) return undefined;
  if (/stream_options/i.test(detail)) return unsupportedError(detail, 'this server refuses stream_options: set model.stream to false, or model.server to a preset that omits it ("mistral")', status);
  if (/tool_choice/i.test(detail)) {
    return unsupportedError(detail, `this server refuses every tool_choice down to "${step}": pick a model that supports function calling`, status);
  }
  if (/additionalProperties|\$schema|\bconst\b|anyOf|oneOf/.test(detail)) {
    return unsupportedError(detail, "this server's tool-schema dialect refuses a keyword of the decide tool's JSON Schema: use another server or model", status);
  }
  if (/\btools?\b.*\b(not supported|unsupported|does not support)|(not supported|unsupported|does not support).*\btools?\b/i.test(detail)) {
    return unsupportedError(detail, 'this server or model does not support function calling, which decisions need: pick one that does', status);
  }
  return undefined;
}

import type OpenAI from 'openai';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParamsBase,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import type { ConversationMessage } from './conversation.js';
import { DECIDE_TOOL_NAME, type Usage } from './decision.js';
import { classifySdkError, type Repair, type Transport, type Turn, type TurnResult } from './transport.js';

type Sdk = typeof import('openai');

export interface OpenAIOptions {
  /** Local servers (Ollama, llama.cpp) need none; the client insists on a value. */
  apiKey?: string;
  baseURL?: string;
  timeoutMs: number;
  stream: boolean;
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

  constructor(private readonly options: OpenAIOptions) {}

  async ready(): Promise<void> {
    await this.load();
  }

  async send(turn: Turn): Promise<TurnResult> {
    const { sdk, client } = await this.load();
    const params = openaiParams(turn);
    try {
      if (!this.options.stream) {
        const completion = await client.chat.completions.create({ ...params, stream: false }, { signal: turn.signal });
        return readCompletion(completion, turn.tool.name);
      }
      const stream = await client.chat.completions.create(
        { ...params, stream: true, stream_options: { include_usage: true } },
        { signal: turn.signal },
      );
      return await readStream(stream, turn.tool.name);
    } catch (err) {
      throw classifySdkError(sdk, err, this.options.timeoutMs);
    }
  }

  private load(): Promise<{ sdk: Sdk; client: OpenAI }> {
    this.loaded ??= import('openai').then((sdk) => ({
      sdk,
      client: new sdk.default({
        apiKey: this.options.apiKey ?? 'none',
        baseURL: this.options.baseURL ?? 'https://api.openai.com/v1',
        maxRetries: 0,
        timeout: this.options.timeoutMs,
        logLevel: 'warn',
      }),
    }));
    this.loaded.catch(() => (this.loaded = undefined));
    return this.loaded;
  }
}

/** The system message carries the stable prefix, so the first bytes repeat from call to call. */
export function openaiParams(turn: Turn): ChatCompletionCreateParamsBase {
  return {
    model: turn.model,
    max_tokens: turn.maxTokens,
    tools: [turn.tool, ...(turn.tools ?? [])].map((tool) => ({
      type: 'function' as const,
      function: { name: tool.name, description: tool.description, parameters: tool.inputSchema },
    })),
    tool_choice: turn.choice === 'any' ? 'required' : { type: 'function', function: { name: turn.tool.name } },
    messages: [
      { role: 'system', content: `${turn.prompt.system}\n\n${turn.prompt.stable}` },
      { role: 'user', content: turn.prompt.dynamic },
      ...(turn.history ?? []).flatMap(chatMessages),
      ...repairMessages(turn.repair),
    ],
  };
}

/** The investigation's turns in chat-completions shapes: tool calls on the assistant message, one `tool` message per result. */
function chatMessages(message: ConversationMessage): ChatCompletionMessageParam[] {
  if (message.role === 'assistant') {
    const text = message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('\n');
    const calls = message.content.flatMap((block) =>
      block.type === 'tool_use' ? [{ id: block.id, type: 'function' as const, function: { name: block.name, arguments: JSON.stringify(block.input) } }] : [],
    );
    return [{ role: 'assistant', content: text || null, ...(calls.length ? { tool_calls: calls } : {}) }];
  }
  if (typeof message.content === 'string') return [{ role: 'user', content: message.content }];
  return message.content.map((block) => ({ role: 'tool' as const, tool_call_id: block.tool_use_id, content: block.is_error ? `Error: ${block.content}` : block.content }));
}

function repairMessages(repair: Repair | undefined): ChatCompletionMessageParam[] {
  if (!repair) return [];
  const correction = `Your decide input was invalid: ${repair.error}. Call decide again with a corrected input.`;
  if (repair.input === undefined) {
    return [
      { role: 'assistant', content: repair.text || '(no answer)' },
      { role: 'user', content: `You answered without calling the decide function. ${correction}` },
    ];
  }
  const call = { id: repair.callId, type: 'function' as const, function: { name: DECIDE_TOOL_NAME, arguments: JSON.stringify(repair.input) } };
  return [
    { role: 'assistant', content: repair.text || null, tool_calls: [call] },
    { role: 'tool', tool_call_id: repair.callId, content: correction },
  ];
}

function readCompletion(completion: ChatCompletion, toolName: string): TurnResult {
  const message = completion.choices[0]?.message;
  const functions = (message?.tool_calls ?? []).flatMap((c) => (c.type === 'function' ? [{ id: c.id, name: c.function.name, args: c.function.arguments }] : []));
  return readCalls(functions, toolName, message?.content ?? '', readUsage(completion.usage));
}

/** Function-call arguments arrive as JSON text in pieces; usage comes in the last chunk. */
async function readStream(stream: AsyncIterable<ChatCompletionChunk>, toolName: string): Promise<TurnResult> {
  const calls = new Map<number, { id: string; name: string; args: string }>();
  let text = '';
  let usage: CompletionUsage | undefined | null;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
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
  return readCalls([...calls.values()], toolName, text, readUsage(usage));
}

/** The first call of the forced tool is the answer; the others are investigation tools it called. */
function readCalls(functions: { id: string; name: string; args: string }[], toolName: string, text: string, usage: Usage): TurnResult {
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

import type Anthropic from '@anthropic-ai/sdk';
import type { ContentBlockParam, MessageCreateParamsNonStreaming, Message, MessageParam, Usage as SdkUsage } from '@anthropic-ai/sdk/resources/messages';
import type { AnswerBlock, ConversationMessage, ConversationReply, ConversationTransport, ConversationTurn } from './conversation.js';
import { DECIDE_TOOL_NAME, type ToolCall, type Usage } from './decision.js';
import { classifySdkError, type Repair, type Transport, type Turn, type TurnResult } from './transport.js';

type Sdk = typeof import('@anthropic-ai/sdk');

export interface AnthropicOptions {
  apiKey: string;
  baseURL?: string;
  timeoutMs: number;
  stream: boolean;
  cacheTtl: '5m' | '1h';
}

/**
 * The Messages API through `@anthropic-ai/sdk`. The SDK (~24 MB resident) is imported
 * on the first call, never on the idle path. Its own retries are off: the provider
 * above retries, so that its circuit breaker sees every failed attempt.
 */
export class AnthropicTransport implements Transport, ConversationTransport {
  readonly provider = 'anthropic';
  private loaded: Promise<{ sdk: Sdk; client: Anthropic }> | undefined;

  constructor(private readonly options: AnthropicOptions) {}

  async ready(): Promise<void> {
    await this.load();
  }

  async send(turn: Turn): Promise<TurnResult> {
    return readMessage(await this.create(anthropicParams(turn, this.options.cacheTtl), turn.signal), turn.tool.name);
  }

  /** A turn of a conversation with tools (the agent's loop); the model chooses whether to call one. */
  async converse(turn: ConversationTurn): Promise<ConversationReply> {
    const params: MessageCreateParamsNonStreaming = {
      model: turn.model,
      max_tokens: turn.maxTokens,
      system: turn.system,
      tools: turn.tools.map((tool) => ({ name: tool.name, description: tool.description, input_schema: tool.inputSchema as { type: 'object' } })),
      messages: turn.messages as MessageParam[],
    };
    const message = await this.create(params, turn.signal);
    const content = message.content.flatMap((block): AnswerBlock[] =>
      block.type === 'text'
        ? [{ type: 'text', text: block.text }]
        : block.type === 'tool_use'
          ? [{ type: 'tool_use', id: block.id, name: block.name, input: block.input }]
          : [],
    );
    return { content, usage: readUsage(message.usage) };
  }

  private async create(params: MessageCreateParamsNonStreaming, signal: AbortSignal): Promise<Message> {
    const { sdk, client } = await this.load();
    try {
      return this.options.stream
        ? await client.messages.stream(params, { signal }).finalMessage()
        : await client.messages.create(params, { signal });
    } catch (err) {
      throw classifySdkError(sdk, err, this.options.timeoutMs);
    }
  }

  private load(): Promise<{ sdk: Sdk; client: Anthropic }> {
    this.loaded ??= import('@anthropic-ai/sdk').then((sdk) => ({
      sdk,
      client: new sdk.default({
        apiKey: this.options.apiKey,
        // Explicit, so the SDK's own reading of ANTHROPIC_BASE_URL cannot disagree with vigil's.
        baseURL: this.options.baseURL ?? 'https://api.anthropic.com',
        maxRetries: 0,
        timeout: this.options.timeoutMs,
        // No request/response debug lines on stdout (ANTHROPIC_LOG), no spans with prompt content.
        logLevel: 'warn',
        openTelemetry: false,
      }),
    }));
    this.loaded.catch(() => (this.loaded = undefined));
    return this.loaded;
  }
}

/**
 * The request, keys in the order the API caches them — tools, system, messages — so
 * the serialised body up to the `cache_control` breakpoint is the cached prefix, byte
 * for byte: the tool, the system prompt, and the stable prefix (catalog, policy,
 * MEMORY.md, repo instructions). Everything that changes per call comes after it.
 */
export function anthropicParams(turn: Turn, cacheTtl: '5m' | '1h'): MessageCreateParamsNonStreaming {
  const cacheControl = cacheTtl === '1h' ? { type: 'ephemeral' as const, ttl: '1h' as const } : { type: 'ephemeral' as const };
  return {
    model: turn.model,
    max_tokens: turn.maxTokens,
    tools: [turn.tool, ...(turn.tools ?? [])].map((tool) => ({
      name: tool.name,
      description: tool.description,
      input_schema: tool.inputSchema as { type: 'object' },
    })),
    tool_choice: turn.choice === 'any' ? { type: 'any' } : { type: 'tool', name: turn.tool.name },
    system: [
      { type: 'text', text: turn.prompt.system },
      { type: 'text', text: turn.prompt.stable, cache_control: cacheControl },
    ],
    messages: turn.tools?.length
      ? investigation([{ role: 'user', content: turn.prompt.dynamic }, ...(turn.history ?? [])]).concat(repairMessages(turn.repair))
      : [{ role: 'user', content: turn.prompt.dynamic }, ...repairMessages(turn.repair)],
  };
}

/**
 * A decision that may look (tools offered): the event and the investigation so far,
 * with a second cache breakpoint on the newest block. The next turn of the same
 * decision then reads everything before it from the cache and pays only for the newest
 * tool result; the event itself is written once, on the first turn, not paid as input
 * and then written again. The breakpoint moves with the conversation. Its lifetime is
 * the default 5 minutes (writes cost 1.25× input, not 2×): a loop's turns are seconds
 * apart, and the API wants the longer-lived breakpoint (the stable prefix's) first.
 */
function investigation(messages: readonly ConversationMessage[]): MessageParam[] {
  const copied = messages.map((message) => ({ ...message, content: typeof message.content === 'string' ? message.content : [...message.content] })) as MessageParam[];
  const last = copied.at(-1);
  if (!last) return copied;
  const blocks = (typeof last.content === 'string' ? [{ type: 'text', text: last.content }] : [...last.content]) as ContentBlockParam[];
  if (blocks.length > 0) blocks[blocks.length - 1] = { ...blocks.at(-1)!, cache_control: { type: 'ephemeral' } } as ContentBlockParam;
  copied[copied.length - 1] = { ...last, content: blocks } as MessageParam;
  return copied;
}

/** The second try: the model sees its own answer and, as the tool's result, what was wrong with it. */
function repairMessages(repair: Repair | undefined): MessageParam[] {
  if (!repair) return [];
  const correction = `Your decide input was invalid: ${repair.error}. Call decide again with a corrected input.`;
  if (repair.input === undefined) {
    return [
      { role: 'assistant', content: repair.text || '(no answer)' },
      { role: 'user', content: `You answered without calling the decide tool. ${correction}` },
    ];
  }
  return [
    {
      role: 'assistant',
      content: [{ type: 'tool_use', id: repair.callId, name: DECIDE_TOOL_NAME, input: repair.input as Record<string, unknown> }],
    },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: repair.callId, is_error: true, content: correction }] },
  ];
}

/** The first call of the turn's forced tool (`decide`, or the dream's `consolidate`), and the other tools it called. */
function readMessage(message: Message, toolName: string): TurnResult {
  let input: unknown;
  let callId = '';
  const text: string[] = [];
  const calls: ToolCall[] = [];
  for (const block of message.content) {
    if (block.type === 'tool_use' && block.name === toolName) {
      if (input !== undefined) continue;
      input = block.input;
      callId = block.id;
    } else if (block.type === 'tool_use') {
      calls.push({ id: block.id, name: block.name, input: block.input });
    } else if (block.type === 'text') {
      text.push(block.text);
    }
  }
  return { input, callId, text: text.join('\n'), usage: readUsage(message.usage), calls };
}

function readUsage(usage: SdkUsage): Usage {
  return {
    inputTokens: usage.input_tokens ?? 0,
    outputTokens: usage.output_tokens ?? 0,
    cacheCreationTokens: usage.cache_creation_input_tokens ?? 0,
    cacheReadTokens: usage.cache_read_input_tokens ?? 0,
  };
}

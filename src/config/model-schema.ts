import { z } from 'zod';

/**
 * The `model` section of the configuration schema (src/config/schema.ts): which provider
 * and models decide, how a call is retried and cut off, what a decision may spend
 * investigating, and which events no model is asked about.
 */

/** US dollars per million tokens; cache prices default from `input` (see src/model/prices.ts). */
export const ModelPrice = z
  .object({
    input: z.number().nonnegative(),
    output: z.number().nonnegative(),
    cacheWrite: z.number().nonnegative().optional(),
    cacheRead: z.number().nonnegative().optional(),
  })
  .strict();

/**
 * Event kinds no model is asked about (issue 14): one CI run fans out into queued,
 * requested and in-progress deliveries that say nothing yet (the `completed` ones do),
 * and stars, watches and forks ask nothing of the owner. They are logged `event.skipped`.
 */
export const DEFAULT_SKIP_EVENTS: readonly string[] = [
  ...['check_run', 'check_suite', 'workflow_job', 'workflow_run'].flatMap((ci) =>
    ['created', 'requested', 'in_progress', 'queued'].map((action) => `github.${ci}.${action}`),
  ),
  'github.star.*',
  'github.watch.*',
  'github.fork',
];

/**
 * What one decision may spend looking before it decides: tool calls, input tokens
 * summed over its calls, and wall time. At a limit the next request forces `decide`.
 */
export const DecisionBudgets = z
  .object({
    /** false: every decision is one forced `decide` call, as before issue 14. */
    investigate: z.boolean().default(true),
    maxToolCalls: z.number().int().min(0).max(50).default(8),
    maxInputTokens: z.number().int().min(1000).default(60_000),
    maxSeconds: z.number().positive().max(900).default(120),
  })
  .strict();

/** Request fields vigil builds itself: `model.extraBody` may not replace them. */
const RESERVED_REQUEST_KEYS = new Set(['model', 'messages', 'tools', 'tool_choice', 'max_tokens', 'max_completion_tokens', 'stream', 'stream_options']);

export const ModelConfig = z
  .object({
    provider: z.enum(['rules', 'anthropic', 'openai']).default('rules'),
    /** The model for everything `tickModel` / `eventModel` do not name (issue 4). */
    model: z.string().min(1).optional(),
    /** A cheap model for ticks. */
    tickModel: z.string().min(1).optional(),
    /** A stronger model for webhook and other events. */
    eventModel: z.string().min(1).optional(),
    /** An OpenAI-compatible endpoint (Ollama, vLLM, llama.cpp, DeepSeek …), or another Anthropic endpoint. */
    baseURL: z.string().url().optional(),
    maxTokens: z.number().int().min(64).max(64_000).default(1024),
    /** SSE streaming responses instead of one JSON answer. */
    stream: z.boolean().default(false),
    /** OpenAI-compatible servers: the first step of the tool-choice ladder (named → required → auto), for servers known to refuse the stronger ones. */
    toolChoice: z.enum(['named', 'required', 'auto']).optional(),
    /** OpenAI-compatible servers: which server's known quirks to assume (src/model/presets.ts); unset, guessed from baseURL. */
    server: z.enum(['generic', 'openai', 'deepseek', 'mistral', 'gemini', 'openrouter', 'groq', 'together', 'ollama', 'lmstudio', 'llama-server', 'vllm']).optional(),
    /** OpenAI-compatible servers: provider-specific request fields (OpenRouter's `provider.require_parameters`, a server's `reasoning_effort` …), merged into every request. */
    extraBody: z.record(z.unknown()).optional(),
    /** Anthropic prompt-cache lifetime: ticks are 15 min apart, so the 5 min default would expire between them. */
    cacheTtl: z.enum(['5m', '1h']).default('1h'),
    timeoutSeconds: z.number().positive().max(600).default(60),
    /** Retries of one call after a timeout, 429, 529 or 5xx, with exponential backoff and jitter. */
    retries: z.number().int().min(0).max(10).default(3),
    retryDelayMs: z.number().int().min(0).default(1000),
    retryMaxDelayMs: z.number().int().min(0).default(30_000),
    /** After `failures` failed calls in a row no call goes out for `coolDownSeconds`; events wait in the inbox. */
    circuit: z
      .object({
        failures: z.number().int().min(1).default(5),
        coolDownSeconds: z.number().positive().default(300),
      })
      .strict()
      .default({}),
    /** Prices per model for `vigil status`'s cost estimate; built-in ones cover the default models. */
    prices: z.record(ModelPrice).default({}),
    /** Event kind patterns (`github.star.*`) decided by no one: logged `event.skipped`, no model call (model providers only). */
    skipEvents: z.array(z.string().min(1)).default([...DEFAULT_SKIP_EVENTS]),
    /** A decision's investigation (issue 14): read-only tools before `decide`, within these budgets. */
    decision: DecisionBudgets.default({}),
  })
  .strict()
  .superRefine((model, ctx) => {
    if (model.provider === 'openai' && !model.model && !(model.tickModel && model.eventModel)) {
      const message = 'the openai provider needs a model name (e.g. "llama3.1" for Ollama, "gpt-4.1-mini")';
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['model'], message });
    }
    for (const key of Object.keys(model.extraBody ?? {}).filter((k) => RESERVED_REQUEST_KEYS.has(k))) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['extraBody', key], message: `"${key}" is set by vigil itself (see model.maxTokens, model.stream, model.toolChoice)` });
    }
  });

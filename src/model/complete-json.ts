import type { ZodTypeAny } from 'zod';
import type { DecideTool } from './decide-tool.js';
import { recoverToolInput } from './recover.js';
import { abortableSleep, backoffDelay, type RetryPolicy } from './retry.js';
import { ModelCallError, type Transport, type Turn, type TurnResult } from './transport.js';

/** A forced tool whose input is the JSON answer; its JSON Schema is generated from `schema`. */
export interface JsonTool {
  name: string;
  description: string;
  schema: ZodTypeAny;
}

/** One request for JSON: instructions, the data to work on, and the tool that carries the answer. */
export interface JsonRequest {
  system: string;
  user: string;
  tool: JsonTool;
}

/** The tool's input as the model gave it (unvalidated: the caller owns the schema's meaning), and the tokens spent. */
export interface JsonAnswer {
  json: unknown;
  tokens: number;
}

export type JsonCompletion = (request: JsonRequest) => Promise<JsonAnswer>;

export interface JsonCompletionOptions {
  transport: Transport;
  model: string;
  maxTokens: number;
  /** Per call, connection to last byte. */
  timeoutMs: number;
  retry: RetryPolicy;
  redact: (text: string) => string;
  /** Seams for tests: the backoff wait and its jitter. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

/** Backoff spent inside one completion at most; a longer `retry-after` fails it (the dream tries again next time). */
const MAX_INLINE_WAIT_MS = 60_000;

/**
 * One JSON answer from a model behind an API, for work that is not a decision (the
 * dream's consolidation): a forced tool carries the answer, prompts are redacted, and
 * transient failures are retried with the decisions' backoff and deadline. No circuit
 * breaker: its caller runs in its own short-lived process, and a failure just ends it.
 */
export function jsonCompletion(options: JsonCompletionOptions): JsonCompletion {
  return async (request) => {
    const { redact } = options;
    const [tool] = await Promise.all([toolFor(request.tool), options.transport.ready()]);
    // The instructions go in the cacheable slot: the API refuses an empty cached block.
    const prompt = { system: `Answer by calling the ${tool.name} tool.`, stable: redact(request.system), dynamic: redact(request.user) };
    const result = await callWithRetries({ model: options.model, maxTokens: options.maxTokens, prompt, tool }, options);
    const { inputTokens, outputTokens, cacheCreationTokens, cacheReadTokens } = result.usage;
    // Without a tool call the text may still hold the answer (a server that ignores the forced
    // choice, issue 23): the same extractor as decisions, the first candidate the schema takes;
    // failing that the raw text, which the caller's validation rejects with its own words.
    const json = result.input ?? recoverToolInput(result.text, tool.name, (candidate) => request.tool.schema.safeParse(candidate).success) ?? result.text;
    return { json, tokens: inputTokens + outputTokens + cacheCreationTokens + cacheReadTokens };
  };
}

const tools = new WeakMap<JsonTool, Promise<DecideTool>>();

/** zod-to-json-schema is loaded on the first call, never on the idle path; one schema per tool. */
function toolFor(tool: JsonTool): Promise<DecideTool> {
  let made = tools.get(tool);
  if (!made) {
    made = import('zod-to-json-schema').then(({ zodToJsonSchema }) => {
      const schema = zodToJsonSchema(tool.schema, { $refStrategy: 'none', target: 'jsonSchema7' }) as Record<string, unknown>;
      delete schema.$schema;
      return Object.freeze({ name: tool.name, description: tool.description, inputSchema: schema });
    });
    tools.set(tool, made);
  }
  return made;
}

async function callWithRetries(turn: Omit<Turn, 'signal'>, options: JsonCompletionOptions): Promise<TurnResult> {
  for (let attempt = 1; ; attempt++) {
    let failure: ModelCallError;
    try {
      return await sendWithDeadline(turn, options);
    } catch (err) {
      failure = err as ModelCallError;
    }
    if (!failure.retryable || attempt > options.retry.retries) throw failure;
    const delayMs = failure.retryAfterMs ?? backoffDelay(attempt, options.retry, options.random);
    if (delayMs > MAX_INLINE_WAIT_MS) throw failure;
    await (options.sleep ?? abortableSleep)(delayMs);
  }
}

/** The SDK timeout covers the wait for headers; this deadline also covers a stream that stalls. */
async function sendWithDeadline(turn: Omit<Turn, 'signal'>, options: JsonCompletionOptions): Promise<TurnResult> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new Error('deadline')), options.timeoutMs);
  timer.unref();
  try {
    const result = await options.transport.send({ ...turn, signal: deadline.signal });
    if (deadline.signal.aborted) throw new Error('deadline');
    return result;
  } catch (err) {
    if (deadline.signal.aborted) throw new ModelCallError(`timed out after ${options.timeoutMs / 1000} s`, { retryable: true });
    if (err instanceof ModelCallError) {
      const { retryable, status, retryAfterMs } = err;
      const code = err.code === 'VIGIL_ERR_MODEL_CONFIG' ? err.code : undefined;
      throw new ModelCallError(options.redact(err.detail), { retryable, status, retryAfterMs }, code);
    }
    throw new ModelCallError(options.redact(String((err as Error)?.message ?? err)), { retryable: false });
  } finally {
    clearTimeout(timer);
  }
}

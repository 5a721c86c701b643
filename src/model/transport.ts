import { errorText, VigilError } from '../errors.js';
import type { DecideTool } from './decide-tool.js';
import { parseRetryAfter } from './retry.js';
import type { ConversationMessage, ToolSpec } from './conversation.js';
import type { Prompt, ToolCall, Usage } from './decision.js';

/** The model's previous answer and what was wrong with it: the second try of a repair round. */
export interface Repair {
  callId: string;
  /** The tool input it gave; undefined when it answered without calling `decide`. */
  input: unknown;
  text: string;
  error: string;
}

export interface Turn {
  model: string;
  maxTokens: number;
  prompt: Prompt;
  tool: DecideTool;
  repair?: Repair;
  signal: AbortSignal;
  /**
   * A decision that investigates (issue 14): read-only tools offered beside `decide`,
   * always in the same order (they are part of the cached prefix).
   */
  tools?: readonly ToolSpec[];
  /** The investigation so far, after the prompt: the model's tool calls and their results. */
  history?: readonly ConversationMessage[];
  /** `decide` (the default): that tool is forced. `any`: the model must call a tool, any of them. */
  choice?: 'decide' | 'any';
}

export interface TurnResult {
  /** The `decide` input; undefined when the model did not call the tool. */
  input: unknown;
  callId: string;
  text: string;
  usage: Usage;
  /** The other tools it called, in order (only when `tools` were offered). */
  calls: ToolCall[];
  /** The answer stopped at `maxTokens` (`finish_reason: "length"`, `stop_reason: "max_tokens"`). */
  truncated?: boolean;
  /** `text` is what the server refused to return as a call (Groq's `failed_generation`), not an answer. */
  failedGeneration?: boolean;
}

/** One HTTP round trip to a model API, in that API's shapes. Retries live above it. */
export interface Transport {
  readonly provider: 'anthropic' | 'openai';
  /** Load the SDK (on the first call only); kept out of each call's deadline. */
  ready(): Promise<void>;
  send(turn: Turn): Promise<TurnResult>;
}

/**
 * A failed model call, classified: `retryable` for timeouts, lost connections, 408,
 * 409, 429, 529 and other 5xx (or whatever `x-should-retry` says); `retryAfterMs` when
 * the server said how long to wait; `retryAt` when the caller should not try before then.
 */
export class ModelCallError extends VigilError {
  /** The message without the code's prefix, for log fields. */
  readonly detail: string;
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  retryAt: number | undefined;
  /** Our own abort (vigil is stopping): neither a model failure nor a reason to open the circuit. */
  readonly aborted: boolean;

  constructor(
    detail: string,
    info: { retryable: boolean; status?: number; retryAfterMs?: number; retryAt?: number; aborted?: boolean },
    code: 'VIGIL_ERR_MODEL_CALL' | 'VIGIL_ERR_MODEL_CIRCUIT_OPEN' | 'VIGIL_ERR_MODEL_CONFIG' = 'VIGIL_ERR_MODEL_CALL',
  ) {
    super(code, detail);
    this.detail = detail;
    this.retryable = info.retryable;
    this.status = info.status;
    this.retryAfterMs = info.retryAfterMs;
    this.retryAt = info.retryAt;
    this.aborted = info.aborted ?? false;
  }
}

/**
 * The server refuses something vigil sends (a tool-choice form, a schema keyword,
 * `stream_options`, tools without llama-server's `--jinja`): a configuration error
 * with the fix in its message. Retrying cannot help and the server is not down, so it
 * is neither retried nor counted by the circuit.
 */
export function unsupportedError(detail: string, hint: string, status?: number): ModelCallError {
  return new ModelCallError(`${detail} — ${hint}`, { retryable: false, ...(status !== undefined ? { status } : {}) }, 'VIGIL_ERR_MODEL_CONFIG');
}

/** The call was given up because the initiative stopped (shutdown or reload). */
export function stoppedError(): ModelCallError {
  return new ModelCallError('aborted: the initiative stopped (vigil is stopping or reloading)', { retryable: false, aborted: true });
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** The shape both Stainless-generated SDKs (Anthropic, OpenAI) give their API errors. */
interface SdkApiError {
  status?: unknown;
  headers?: { get(name: string): string | null };
  message?: string;
}

/**
 * The error classes both SDKs export (the Anthropic and OpenAI clients are generated
 * from one template). The transport passes the module it loaded, so vigil's check is
 * `instanceof` against the very classes that threw.
 */
export interface SdkErrorClasses {
  APIConnectionTimeoutError: abstract new (...args: never[]) => unknown;
  APIUserAbortError: abstract new (...args: never[]) => unknown;
  APIConnectionError: abstract new (...args: never[]) => unknown;
  APIError: abstract new (...args: never[]) => unknown;
}

/**
 * Turn an SDK error into a ModelCallError; the message keeps the status and the API's
 * own words, never request headers.
 */
export function classifySdkError(sdk: SdkErrorClasses, err: unknown, timeoutMs: number): ModelCallError {
  const kind =
    err instanceof sdk.APIConnectionTimeoutError
      ? 'timeout'
      : err instanceof sdk.APIUserAbortError
        ? 'abort'
        : err instanceof sdk.APIConnectionError
          ? 'connection'
          : err instanceof sdk.APIError
            ? 'api'
            : 'other';
  const e = (err ?? {}) as SdkApiError;
  if (kind === 'timeout') return new ModelCallError(`timed out after ${timeoutMs / 1000} s`, { retryable: true });
  if (kind === 'connection') return new ModelCallError(`connection failed: ${firstLine(e.message)}`, { retryable: true });
  if (kind === 'abort') return stoppedError();
  if (kind === 'api' && typeof e.status === 'number') {
    const hint = e.headers?.get('x-should-retry');
    const retryable = hint === 'true' ? true : hint === 'false' ? false : isRetryableStatus(e.status);
    const retryAfterMs = parseRetryAfter(e.headers, Date.now());
    return new ModelCallError(firstLine(e.message) || `HTTP ${e.status}`, {
      retryable,
      status: e.status,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }
  return new ModelCallError(firstLine(errorText(err)), { retryable: false });
}

function firstLine(text: string | undefined): string {
  return String(text ?? '').split('\n')[0]!.slice(0, 300);
}

import type { IncomingHttpHeaders } from 'node:http';

export interface FakeChatReply {
  decide?: unknown;
  /** Function-call arguments sent verbatim (e.g. not JSON). */
  rawArguments?: string;
  tool?: string;
  /** Investigation tools called (issue 14), as tool calls before any `decide`. */
  calls?: { name: string; input: unknown }[];
  text?: string;
  error?: number;
  message?: string;
  headers?: Record<string, string>;
  hang?: boolean;
  stallAfterStart?: boolean;
  /** With `decide`: a request whose max_tokens is below this gets the call cut off, `finish_reason: "length"`. */
  needsTokens?: number;
  truncated?: boolean;
  /** Tool-call ids `""` (Gemini's endpoint). */
  emptyIds?: boolean;
}

export type FakeQuirk = 'ollama' | 'lmstudio' | 'required-only' | 'no-jinja' | 'groq' | 'mistral' | 'gemini';

export interface RecordedChatCall {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: any;
  reply?: FakeChatReply;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number; prompt_tokens_details: { cached_tokens: number } };
}

export class FakeOpenAI {
  constructor(options?: { apiKey?: string; quirk?: FakeQuirk });
  readonly requests: RecordedChatCall[];
  readonly calls: RecordedChatCall[];
  script: FakeChatReply[];
  respond: (body: any, record: RecordedChatCall) => FakeChatReply;
  /** The server's documented behaviour; may change mid-test (the owner fixed the server). */
  quirk: FakeQuirk | undefined;
  url: string;
  push(...replies: FakeChatReply[]): void;
  start(): Promise<string>;
  stop(): Promise<void>;
}

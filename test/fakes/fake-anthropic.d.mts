import type { IncomingHttpHeaders } from 'node:http';

export function countTokens(text: string): number;

/** A scripted answer: a `decide` call (optionally with text), text only, an HTTP error, or silence. */
export interface FakeReply {
  decide?: unknown;
  /** Another tool name than `decide` (a model that answers wrongly). */
  tool?: string;
  /** Investigation tools called (issue 14), as tool_use blocks before any `decide`. */
  calls?: { name: string; input: unknown }[];
  text?: string;
  error?: number;
  message?: string;
  headers?: Record<string, string>;
  /** Never answer: the client must time out. */
  hang?: boolean;
  /** Streaming only: send the first event, then nothing. */
  stallAfterStart?: boolean;
}

export interface FakeUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  output_tokens: number;
}

export interface RecordedCall {
  path: string;
  headers: IncomingHttpHeaders;
  /** The request body exactly as it arrived. */
  raw: string;
  body: any;
  at: number;
  reply?: FakeReply;
  usage?: FakeUsage;
}

export class FakeAnthropic {
  constructor(options?: { apiKey?: string; now?: () => number; minCacheTokens?: number });
  readonly requests: RecordedCall[];
  readonly calls: RecordedCall[];
  script: FakeReply[];
  respond: (body: any, record: RecordedCall) => FakeReply;
  url: string;
  push(...replies: FakeReply[]): void;
  start(): Promise<string>;
  stop(): Promise<void>;
}

/** The first user message's text: a string, or text blocks when it carries a cache breakpoint (a decision that may look). */
export function firstUserText(body: unknown): string;

import type { Clock } from '../clock.js';
import type { OwnerAnswer } from '../initiative/index.js';
import type { EventRecord } from '../events.js';
import type { TestAnswer } from '../notify/index.js';
import type { OwnerChannel } from '../policy/index.js';
import type { PageName } from './html.js';
import type { ActionRecord, LoginFailureTable, PushSubscriptionTable, Store, WebSessionTable } from '../store/index.js';

/** One day's model tokens over every model and purpose, and their estimated cost (usage ledger, config prices). */
export interface DayUsage {
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  estimatedCostUsd: number;
}

/** A suggested rule the owner accepted: what config.json now says, and whether the daemon runs with it. */
export interface AcceptedRule {
  id: string;
  state: string;
  rule: { action: string; repo?: string; decision: string };
  /** False when an identical rule was already in config.json. */
  added: boolean;
  /** The daemon reloaded config.json with it. */
  reloaded: boolean;
}

/** A model call's tokens, as the usage ledger counts them. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
}

/** config `agent`: what one task may spend. */
export interface AgentBudgets {
  maxTurns: number;
  maxTokens: number;
  maxMinutes: number;
}

/**
 * What the login, the session guard (auth.ts) and the push routes need: the SQLite
 * daemon's `WebDeps` has it all; a team node (src/daemon/team-app.ts, issue 19) gives
 * its own, its tables in PostgreSQL shared by every node.
 */
export interface AuthDeps {
  store: { webSessions: WebSessionTable };
  clock: Clock;
  dashboardToken(): string;
  /** Writes a log line. A promise it returns never rejects: a line that could not be written is the caller's to report. */
  record(record: EventRecord): void | Promise<void>;
  /** A team node's: the login limits' failures in the database, so the limits hold across nodes (login-guard.ts). */
  loginFailures?: LoginFailureTable;
}

/** The /push page and `/api/push/subscriptions`. */
export interface PushDeps extends AuthDeps {
  store: { webSessions: WebSessionTable; pushSubscriptions: PushSubscriptionTable };
  vapidPublicKey(): string;
  /** A browser subscribed: what waits may be sent now (the SQLite daemon wakes its worker; a node asks again what reached nobody). */
  subscribed(): void | Promise<void>;
  /** Links of the page's navigation: every page of the dashboard, or only the push page on a team node. */
  pages?: readonly PageName[];
}

/** What the dashboard may ask of the daemon; nothing else reaches it. */
export interface WebDeps {
  store: Store;
  clock: Clock;
  logsDir: string;
  memoryDir: string;
  /**
   * config `http.trustProxy`: believe the address a reverse proxy appends to
   * `X-Forwarded-For` (fastify's trustProxy, one hop). Off, the socket's peer is the
   * client, whatever the header says. Read when the HTTP app is built.
   */
  trustProxy: boolean;
  /** Where people see GitHub (github.com, or the `GITHUB_API_URL` server's site): outcome links point there. */
  githubWebUrl: string;
  dashboardToken(): string;
  /** The HMAC key of approval capability tokens (secrets.json `capabilityKey`). */
  capabilityKey(): string;
  vapidPublicKey(): string;
  status(): Record<string, unknown>;
  /** A local day's (`YYYY-MM-DD`) model usage, priced. */
  usageOfDay(day: string): DayUsage;
  approvals(): ActionRecord[];
  /** Answer an approval as the owner, through `by`, with the owner's optional reason; throws VIGIL_ERR_APPROVAL_NOT_FOUND / _CLOSED. */
  answer(id: string, answer: 'approve' | 'deny', by: OwnerChannel, reason?: string): ActionRecord;
  /**
   * The owner's words decided as an instruction (issue 15's `vigil ask`); resolves with the
   * answer, or fails VIGIL_ERR_ASK (empty, too long) / VIGIL_ERR_ASK_TIMEOUT after `waitMs`.
   */
  ask(text: unknown, via: 'cli' | 'dashboard', waitMs: number): Promise<OwnerAnswer>;
  /**
   * The owner's edit (`text`) or deletion (no `text`) of the fact at `index` of a topic,
   * which read `was` on the page (src/operations memory-edit.ts: under the dream lock,
   * history kept, logged `memory.edited`). Fails VIGIL_ERR_MEMORY_FACT, _CONFLICT, VIGIL_ERR_DREAM_BUSY.
   */
  editMemoryFact(edit: { topic: string; index: number; was: string; text?: string }): Promise<{ file: string; op: 'edit' | 'delete'; version: string | null }>;
  /**
   * Accept a suggested permission rule whose capability token was checked (issue 15): the
   * rule into config.json, the token's nonce spent, the config reloaded. Throws
   * VIGIL_ERR_SUGGESTION_NOT_FOUND / _CLOSED, VIGIL_ERR_CAPABILITY, VIGIL_ERR_CONFIG(_JSON).
   */
  acceptRule(id: string, nonce: string): Promise<AcceptedRule>;
  /** `vigil cancel ID`: flag a running agent task to stop (VIGIL_ERR_APPROVAL_NOT_FOUND, VIGIL_ERR_USAGE when it is not one running). */
  cancel(id: string): Promise<void>;
  /** Where agent transcripts are (`<home>/agent`, `<action id>.jsonl`). */
  agentDir: string;
  agentBudgets(): AgentBudgets;
  /** The estimated cost of tokens of a model at config prices; null when no price is known. */
  costOf(model: string, usage: TokenUsage): number | null;
  /** Write a log record now (the daemon's journal). */
  record(record: EventRecord): void;
  /** The daemon's side of notifications (src/notify OwnerReach). */
  reach: { subscribed(): void; sendTest(): Promise<TestAnswer> };
}

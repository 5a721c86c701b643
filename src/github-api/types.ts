/**
 * The GitHub surface the worker sees, as types only: `src/exec` imports these with
 * `import type`, so Octokit is loaded (by dynamic import) only when a GitHub action or
 * a sweep needs it, never in the daemon's idle path.
 */

import type { EventRecord } from '../events.js';

/** Who vigil is on GitHub: a token (a person's or a bot account's), or a GitHub App. */
export type GithubCredentials =
  | { kind: 'token'; token: string }
  | { kind: 'app'; appId: number; privateKey: string; installationId?: number };

export interface ActionRef {
  id: string;
  /** When the action was proposed (ms): whatever it wrote on GitHub is newer. */
  createdAt: number;
}

/** What a comment or issue action records. `reused`: a previous attempt had already written it. */
export interface WrittenResult {
  url: string;
  id: number;
  reused: boolean;
  /** The login GitHub names as its author: who vigil acts as (absent when GitHub names none). */
  author?: string;
}

export interface LabelResult {
  repo: string;
  number: number;
  /** Every label on the issue after the call. */
  labels: string[];
  reused: false;
}

/** What one of the later hands (src/github-api/hands.ts) records: what it changed, or `reused` when it found it done. */
export interface HandResult {
  repo: string;
  number?: number;
  /** The labels removed, the logins assigned or asked to review, the new state; empty when nothing was left to do. */
  changed: string[];
  reused: boolean;
}

export interface SweepResult {
  listed: number;
  redelivered: number;
  failed: number;
}

/** A delivery id the sweep asked GitHub to redeliver: when (unknown for ids an older vigil remembered), and whether the owner was told its redelivery was refused again. */
export interface AskedRedelivery {
  at?: number;
  told?: boolean;
}

/**
 * What the missed-delivery sweep remembers and reads, from the store it runs beside: a
 * home's SQLite (`kv` and its inbox, src/github-api/kv-sweep-memory.ts) or a team's
 * PostgreSQL (its `redeliveries` table and shared inbox, src/exec/team-sweep.ts). Each
 * write takes the log lines that say what it did, so a store that can commits them together.
 */
export interface SweepMemory {
  /** When the last whole sweep started; undefined before the first. */
  lastSweep(): Promise<number | undefined>;
  /** A sweep starts at `startedAt` (the team marks it under way: a holder that dies mid-sweep leaves it for the next). */
  begin(startedAt: number): Promise<void>;
  /** Of these delivery ids, the ones already asked for. */
  asked(guids: readonly string[]): Promise<Map<string, AskedRedelivery>>;
  /** Of these delivery ids, the ones the inbox holds. */
  stored(guids: readonly string[]): Promise<Set<string>>;
  /** When the first GitHub delivery was stored; undefined before any. */
  firstDeliveryAt(): Promise<number | undefined>;
  /** Asked right before each redelivery request: false stops the sweep (a team node that no longer holds the redelivery role). */
  mayRequest(guid: string): Promise<boolean>;
  /** GitHub took the request for `guid` (its attempt `deliveryId`): remembered at once, so nobody asks again. */
  requested(guid: string, deliveryId: number, at: number, lines: EventRecord[]): Promise<void>;
  /** The redelivery of `guid` came and was refused again: the owner is told once (`notice`). */
  refusedAgain(guid: string, notice: { title: string; body: string }, lines: EventRecord[]): Promise<void>;
  /** Lines with nothing to remember beside them (a request GitHub refused). */
  log(lines: EventRecord[]): Promise<void>;
  /** The whole listing was looked at: the next sweep looks back to `startedAt` (less an overlap). */
  finished(startedAt: number, lines: EventRecord[]): Promise<void>;
}

/** One issue or pull request of the open-work digest: its title is third-party text. */
export interface OpenWorkItem {
  number: number;
  title: string;
  author?: string;
  updatedAt: string;
  url: string;
}

export type OpenWorkProblem = 'failing checks' | 'changes requested' | 'conflicts';

/**
 * What is open on one repository for the owner (issue 15), fetched on each tick with
 * conditional requests (src/github-api/open-work.ts) and compared by the tick's world mark.
 */
export interface OpenWorkDigest {
  repo: string;
  defaultBranch: string;
  /** The check runs of the default branch's head: its latest CI result. */
  ci: { sha: string | null; state: 'success' | 'failure' | 'pending' | 'none'; failed: string[] };
  /** The owner's login; null when none is configured (then the owner's lists are empty). */
  owner: string | null;
  /** Open pull requests that ask the owner for a review. */
  reviewRequested: OpenWorkItem[];
  /** The owner's open pull requests with failing checks, changes requested or conflicts. */
  ownPulls: (OpenWorkItem & { problems: OpenWorkProblem[] })[];
  /** Open issues assigned to the owner. */
  assigned: OpenWorkItem[];
  /** Open pull requests not updated since `staleBefore` (`tick.staleDays`). */
  stale: OpenWorkItem[];
  /** Lists cut at their cap (or pull requests past the first page), named. */
  truncated: string[];
  /** What fetching it cost: requests sent, and how many GitHub answered 304 Not Modified (no rate limit spent). */
  fetched: { requests: number; notModified: number };
}

/** A read for a decision (src/github-api/reads.ts has its schema). */
export type { GithubQuery } from './reads.js';
export type { OpenWorkQuery } from './open-work.js';

export interface GithubSession {
  comment(params: { repo: string; number: number; body: string }, action: ActionRef): Promise<WrittenResult>;
  label(params: { repo: string; number: number; labels: string[] }): Promise<LabelResult>;
  createIssue(params: { repo: string; title: string; body: string }, action: ActionRef): Promise<WrittenResult>;
  removeLabels(params: { repo: string; number: number; labels: string[] }): Promise<HandResult>;
  assign(params: { repo: string; number: number; assignees: string[] }): Promise<HandResult>;
  requestReview(params: { repo: string; number: number; reviewers: string[] }): Promise<HandResult>;
  setState(params: { repo: string; number: number; state: 'open' | 'closed'; reason?: 'completed' | 'not_planned' }): Promise<HandResult>;
  rerunFailedJobs(params: { repo: string; runId: number }, action: ActionRef): Promise<HandResult>;
  merge(params: { repo: string; number: number; sha: string; method?: 'merge' | 'squash' | 'rebase' }): Promise<HandResult>;
  /**
   * A read-only look for a decision (issue 14): validated again here, refused for a
   * repository vigil does not watch, answered as compact text.
   */
  read(query: unknown, signal: AbortSignal): Promise<string>;
  /** Missed-delivery sweep; `undefined` when no hook is configured or no credentials exist. */
  sweep(): Promise<SweepResult | undefined>;
}

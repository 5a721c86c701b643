import { openDb, setBusyTimeout, type Db, type OpenOptions } from './db.js';
import path from 'node:path';
import { Inbox } from './inbox.js';
import { Spool } from './spool.js';
import { Actions } from './actions.js';
import { Decisions, KeyValue, LogOutbox, Reminders } from './small-tables.js';
import { Notifications } from './notifications.js';
import { PushSubscriptions } from './push-subscriptions.js';
import { WebSessions } from './web-sessions.js';
import { CapabilityUses } from './capability-uses.js';
import { SearchIndexTable } from './search-index.js';
import { UsageLedger } from './usage-ledger.js';
import { Retention } from './retention.js';
import { LogStatsTable } from './log-stats.js';
import { OwnerAnswers } from './owner-answers.js';

export { openDb } from './db.js';
export type { PgStore, PgAddResult, NewDelivery, PgEvent, PgTx, PgAction, PgActions, Claimable, PgLog, PgWorkerStore, SweepState, PgApproval, PgNotify, PgNotice, NotifyWindow, PgAnswerStore, PgPruneReport, LoginFailureTable, PgTicks, PgTickStore } from './pg/index.js';
export type { NotifyLogRow } from './notifications.js';
// nodes.js holds no `pg` import: the SQLite daemon may load it.
export { workerHolder } from './pg/nodes.js';
export { isSlotTaken } from './pg/ticks.js';
export { newActionId } from './actions.js';
export { TeamSearchIndex } from './team-search-index.js';
export { migrateHome, redactUrl, type MigrateReport } from './migrate-home.js';
export type { CopiedMemoryVersion } from './home-export.js';
import type { ChainCursor, ChainVerifyResult, PgAnswerStore, PgCancelStore, PgDreamStore, PgStore, PgStoreOptions, PgTickStore, PgWorkerStore, TeamStatus } from './pg/index.js';
export type { TeamStatus, PgCancelStore };
export type { DreamHolder, TeamDreaming } from './pg/index.js';
import type { LogEntry } from '../logs/index.js';
import type { ChainLength, TeamEventText } from './pg/search-source.js';
import type { TeamDoctorReader } from './pg/doctor.js';
import type { PgMemoryChange, PgMemoryRow } from './pg/memory.js';
import { errorText, isVigilError, VigilError } from '../errors.js';

/**
 * The team store (issue 19), loaded only when `store.url` asks for it: a SQLite vigil
 * never loads `pg`.
 */
export async function openPgStore(options: PgStoreOptions): Promise<PgStore> {
  return (await import('./pg/index.js')).PgStore.open(options);
}

/** A team node's worker's store (src/exec/team-worker-main.ts), loaded on demand like openPgStore. */
export async function openPgWorkerStore(options: Parameters<typeof import('./pg/index.js').openPgWorkerStore>[0]): Promise<PgWorkerStore> {
  return (await import('./pg/index.js')).openPgWorkerStore(options);
}

/**
 * What `vigil doctor` reads of a team's database (src/store/pg/doctor.ts): one read-only
 * connection, opened on demand like openPgStore, closed by the caller.
 */
export async function openTeamDoctorReader(url: string): Promise<TeamDoctorReader> {
  return (await import('./pg/doctor.js')).openTeamDoctorReader(url);
}
export type { TeamDoctorReader } from './pg/doctor.js';

/**
 * The team's log as the CLI reads it (`vigil log`, `vigil log verify` with `store.url`):
 * a short-lived pool that registers no node and migrates nothing, ended after `fn`.
 */
export async function withTeamLog<T>(url: string, fn: (log: TeamLogReader) => Promise<T>): Promise<T> {
  const pgStore = await import('./pg/index.js');
  const pool = pgStore.openPgPool({ url, node: 'cli', max: 1 });
  try {
    // A database no node has started on yet holds no log: its days read, and verify, as empty.
    const migrated = await pgStore.isMigrated(pool);
    return await fn({
      day: async (day) => (migrated ? pgStore.readPgLogDay(pool, day) : []),
      after: (days, cursors) => pgStore.readPgLogAfter(pool, days, cursors),
      heads: (days) => pgStore.pgLogHeads(pool, days),
      verify: async (day) => (migrated ? pgStore.verifyPgLog(pool, undefined, day) : []),
    });
  } catch (err) {
    throw isVigilError(err) ? err : new VigilError('VIGIL_ERR_STORE', `PostgreSQL: ${errorText(err)}`, { cause: err });
  } finally {
    await pool.end().catch(() => undefined);
  }
}

/**
 * The team's memory as a node-local search index reads it (`vigil memory search` with
 * `store.url`): a short-lived pool that registers no node and migrates nothing. A
 * database no node has started on holds no team yet (no `team` row names an index, no
 * log, no inbox): `unmigrated` is the answer then, and `fn` is not called.
 */
export async function withTeamSearchSource<T>(url: string, unmigrated: T, fn: (source: TeamSearchSource) => Promise<T>): Promise<T> {
  const [pgStore, read] = await Promise.all([import('./pg/index.js'), import('./pg/search-source.js')]);
  const pool = pgStore.openPgPool({ url, node: 'cli', max: 1 });
  try {
    if (!(await pgStore.isMigrated(pool))) return unmigrated;
    return await fn({
      teamId: () => read.teamId(pool),
      chains: () => read.chainLengths(pool),
      chainLines: (node, day, afterSeq, limit) => read.chainLines(pool, node, day, afterSeq, limit),
      eventsAfter: (afterId, limit) => read.eventsAfter(pool, afterId, limit),
    });
  } catch (err) {
    throw isVigilError(err) ? err : new VigilError('VIGIL_ERR_STORE', `PostgreSQL: ${errorText(err)}`, { cause: err });
  } finally {
    await pool.end().catch(() => undefined);
  }
}

export interface TeamSearchSource {
  teamId(): Promise<string>;
  chains(): Promise<ChainLength[]>;
  chainLines(node: string, day: string, afterSeq: number, limit: number): Promise<Array<{ seq: number; line: string }>>;
  eventsAfter(afterId: number, limit: number): Promise<TeamEventText[]>;
}

/** Every row of a team's `memory_files` (`vigil memory show` and `history` with `store.url`), by a short-lived pool that registers no node. */
export async function readTeamMemory(url: string): Promise<PgMemoryRow[]> {
  const [pgStore, memory] = await Promise.all([import('./pg/index.js'), import('./pg/memory.js')]);
  const pool = pgStore.openPgPool({ url, node: 'cli', max: 1 });
  try {
    // A database no node has started on yet: no memory yet, not an error.
    return (await pgStore.isMigrated(pool)) ? await memory.readPgMemoryRows(pool) : [];
  } catch (err) {
    throw isVigilError(err) ? err : new VigilError('VIGIL_ERR_STORE', `PostgreSQL: ${errorText(err)}`, { cause: err });
  } finally {
    await pool.end().catch(() => undefined);
  }
}

/**
 * A write of a team's memory from the CLI (`vigil memory history --restore` with
 * `store.url`): `changes` computed from the rows inside the write's one transaction.
 */
export async function writeTeamMemory(url: string, by: string, now: number, changes: (rows: PgMemoryRow[]) => PgMemoryChange[]): Promise<string[]> {
  const [pgStore, memory] = await Promise.all([import('./pg/index.js'), import('./pg/memory.js')]);
  const pool = pgStore.openPgPool({ url, node: 'cli', max: 1 });
  try {
    return await memory.writePgMemory(pool, by, now, changes);
  } catch (err) {
    throw isVigilError(err) ? err : new VigilError('VIGIL_ERR_STORE', `PostgreSQL: ${errorText(err)}`, { cause: err });
  } finally {
    await pool.end().catch(() => undefined);
  }
}

/**
 * The CLI's answers on a team (`vigil approvals`, `vigil approve` / `vigil deny` with
 * `store.url`): a short-lived pool that registers no node and migrates nothing, ended
 * after `fn`; the answers' lines go to `node`'s chain.
 */
export async function withTeamAnswers<T>(url: string, node: string, fn: (store: PgAnswerStore) => Promise<T>): Promise<T> {
  const pgStore = await import('./pg/index.js');
  return shortLived(pgStore.openPgAnswerStore({ url, node }), fn);
}

/**
 * `vigil tick` on a team's home: a short-lived pool that registers no node and migrates
 * nothing, ended after `fn`; the tick's line goes to `node`'s chain.
 */
export async function withTeamTickStore<T>(url: string, node: string, fn: (store: PgTickStore) => Promise<T>): Promise<T> {
  const pgStore = await import('./pg/index.js');
  return shortLived(pgStore.openPgTickStore({ url, node }), fn);
}

/**
 * `vigil cancel ID` on a team's home: a short-lived pool that registers no node and
 * migrates nothing, ended after `fn`; the request's line goes to `node`'s chain.
 */
export async function withTeamCancels<T>(url: string, node: string, fn: (store: PgCancelStore) => Promise<T>): Promise<T> {
  const pgStore = await import('./pg/index.js');
  return shortLived(pgStore.openPgCancelStore({ url, node }), fn);
}

/**
 * `vigil dream --now` on a team's home (issue 19): the dream's tables and the dreamer role
 * by a short-lived pool that registers no node and migrates nothing, closed after `fn`
 * (the role with it); the dream's lines go to `node`'s chain.
 */
export async function withTeamDreams<T>(url: string, node: string, fn: (store: PgDreamStore) => Promise<T>): Promise<T> {
  const pgStore = await import('./pg/index.js');
  return shortLived(pgStore.openPgDreamStore({ url, node }), fn);
}

/** Runs `fn` on a store opened for it, closed after; a database error becomes VIGIL_ERR_STORE. */
async function shortLived<S extends { close(): Promise<void> }, T>(store: S, fn: (store: S) => Promise<T>): Promise<T> {
  try {
    return await fn(store);
  } catch (err) {
    throw isVigilError(err) ? err : new VigilError('VIGIL_ERR_STORE', `PostgreSQL: ${errorText(err)}`, { cause: err });
  } finally {
    await store.close().catch(() => undefined);
  }
}

/** What `vigil status` shows of a team, read from its database by a short-lived pool that registers no node. */
export async function readTeamStatus(url: string, now: number, leaseSeconds: number): Promise<TeamStatus> {
  const pgStore = await import('./pg/index.js');
  const pool = pgStore.openPgPool({ url, node: 'cli', max: 1 });
  try {
    return await pgStore.teamStatus(pool, now, leaseSeconds);
  } catch (err) {
    throw isVigilError(err) ? err : new VigilError('VIGIL_ERR_STORE', `PostgreSQL: ${errorText(err)}`, { cause: err });
  } finally {
    await pool.end().catch(() => undefined);
  }
}

interface TeamLogReader {
  /** Every node's entries of one day, merged by time; each names its node. */
  day(day: string): Promise<Array<LogEntry & { node: string }>>;
  /** These days' chains past their cursors, merged by time (`vigil log --follow`). */
  after(days: readonly string[], cursors: readonly ChainCursor[]): Promise<Array<{ node: string; day: string; entry: LogEntry }>>;
  /** The last seq of each chain of these days. */
  heads(days: readonly string[]): Promise<ChainCursor[]>;
  /** Every node's chain (of one day, or all). */
  verify(day?: string): Promise<ChainVerifyResult[]>;
}
export { withStoreRetry, isTransientStoreError, backoffMs, STORE_BACKOFF, DAEMON_BUSY_TIMEOUT_MS } from './retry.js';
export { Checkpointer } from './checkpointer.js';
export type { InboxEvent, UnreadEvent } from './inbox.js';
export type { ActionRecord, ActionLane } from './actions.js';
export type { ThreadDecision } from './small-tables.js';
export { KeyValue } from './small-tables.js';
export { Notifications, type NotificationUrgency, type NoticeRow } from './notifications.js';
export { PushSubscriptions, type PushSubscriptionRow, type PushSubscriptionTable } from './push-subscriptions.js';
export type { WebSessionRow, WebSessionTable } from './web-sessions.js';
export type { SearchDocument, SearchHit } from './search-index.js';
export type { LogStatRow } from './log-stats.js';
export type { AnsweredApproval, RuleSuggestion } from './owner-answers.js';
export { withStoreReader } from './reader.js';
export type { PruneReport } from './retention.js';
export type { NotifyTestOutcome } from './kv-keys.js';
export type { WebhookRejectionLog } from './kv-keys.js';

/** One handle on vigil.db with its tables; shared by daemon, worker and CLI. */
export class Store {
  readonly inbox: Inbox;
  readonly actions: Actions;
  readonly decisions: Decisions;
  readonly reminders: Reminders;
  readonly kv: KeyValue;
  readonly outbox: LogOutbox;
  /** What was told to the owner, and the daemon's notices still to tell. */
  readonly notifications: Notifications;
  readonly pushSubscriptions: PushSubscriptions;
  readonly webSessions: WebSessions;
  /** Spent capability-token nonces: a notification's button answers once. */
  readonly capabilityUses: CapabilityUses;
  /** The memory's full-text index. */
  readonly searchIndex: SearchIndexTable;
  /** Tokens per model call (`vigil status` prices the day's). */
  readonly usage: UsageLedger;
  /** Prunes what `store.retainDays` no longer keeps, in small steps (issue 18). */
  readonly retention: Retention;
  /** The dashboard's counts per hour, kept from the logs. */
  readonly logStats: LogStatsTable;
  /** The owner's answers to approvals, and the permission rules offered from them (issue 15). */
  readonly ownerAnswers: OwnerAnswers;
  private closed = false;

  /**
   * `spool` holds webhook bodies beside the database (`<dir of vigil.db>/spool`); the
   * daemon's webhook intake writes it, every other handle only reads.
   */
  constructor(
    readonly db: Db,
    readonly spool: Spool,
  ) {
    this.inbox = new Inbox(db, spool);
    this.actions = new Actions(db);
    this.decisions = new Decisions(db);
    this.reminders = new Reminders(db);
    this.kv = new KeyValue(db);
    this.outbox = new LogOutbox(db);
    this.notifications = new Notifications(db);
    this.pushSubscriptions = new PushSubscriptions(db);
    this.webSessions = new WebSessions(db);
    this.capabilityUses = new CapabilityUses(db);
    this.searchIndex = new SearchIndexTable(db);
    this.usage = new UsageLedger(db);
    this.retention = new Retention(db, spool, (fn) => this.transaction(fn));
    this.logStats = new LogStatsTable(db);
    this.ownerAnswers = new OwnerAnswers(db);
  }

  static open(file: string, options: OpenOptions = {}): Store {
    return new Store(openDb(file, options), new Spool(path.join(path.dirname(file), 'spool')));
  }

  /** The daemon shortens it once its start-up work is done (see src/store/retry.ts). */
  setBusyTimeout(ms: number): void {
    setBusyTimeout(this.db, ms);
  }

  /** Told after every committed `transaction` (the daemon's checkpointer listens). */
  onCommit: (() => void) | undefined;

  /** BEGIN IMMEDIATE: take the write lock up front so concurrent processes queue, not fail. */
  transaction<T>(fn: () => T): T {
    const result = this.db.transaction(fn).immediate();
    this.onCommit?.();
    return result;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.spool.close();
    this.db.close();
  }
}

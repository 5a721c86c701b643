/**
 * The team store: PostgreSQL for several nodes (issue 19), what a node opens with
 * `store.url`. The smaller stores a short-lived process opens (a CLI command, a node's
 * worker) are in narrow-stores.ts. See docs/architecture.md, "PostgreSQL (issue 19)".
 */
import type pg from 'pg';
import { systemClock, type Clock } from '../../clock.js';
import { secretMask, type SecretMask } from '../../secrets/index.js';
import { checkNodeName, openPgPool, withTransaction } from './connect.js';
import { DEFAULT_LEASE_SECONDS } from './leases.js';
import { PgActions } from './actions.js';
import { PgApprovals } from './approvals.js';
import { PgRuleSuggestions } from './rule-suggestions.js';
import { PgDecisions } from './decisions.js';
import { PgDreams } from './dream.js';
import { PgInbox } from './inbox.js';
import { firstPgLogDay, PgLog, pgLogHeads, readPgLogAfter, readPgLogDayOfTypes, readPgLogDayTail, readPgLogRecords, recentPgLogEntries, type ChainCursor } from './log.js';
import { readPgMemoryFile, readPgMemoryHeads, writePgMemory, type PgMemoryChange, type PgMemoryRow } from './memory.js';
import { chainLengths, chainLines, eventsAfter, teamId } from './search-source.js';
import type { LogEntry } from '../../logs/index.js';
import { migratePg } from './migrate.js';
import { PgNodes } from './nodes.js';
import { PgRedeliveries } from './redeliveries.js';
import { PgNotify } from './notify.js';
import { PgReminders } from './reminders.js';
import { PgRetention } from './retention.js';
import { PgRoles, type RoleEvents } from './roles.js';
import { PgTicks } from './ticks.js';
import { PgUsage, pgUsageByDay } from './usage.js';
import type { UsageTotals } from '../usage-ledger.js';
import { PgAgentCancels } from './agent-cancel.js';
import { PgAgentTasks } from './agent-tasks.js';
import { PgPushSubscriptions } from './push-subscriptions.js';
import { PgWebSessions } from './web-sessions.js';
import { PgLoginFailures } from './login-failures.js';
import { PgActingLogin } from './acting-login.js';
import { teamStatus, type TeamStatus } from './status.js';
import { PgRejections } from './rejections.js';

export { withTransaction, openPgPool, checkNodeName, type PgTx } from './connect.js';
export type { NewDelivery, PgAddResult, PgEvent } from './inbox.js';
export type { PgNewAction, PgAction, PgExhausted } from './actions.js';
export type { Claimable } from './leases.js';
export { workerHolder } from './nodes.js';
export { DEFAULT_LEASE_SECONDS } from './leases.js';
export {
  openPgAnswerStore,
  openPgTickStore,
  openPgCancelStore,
  openPgDreamStore,
  openPgWorkerStore,
  type PgAnswerStore,
  type PgTickStore,
  type PgCancelStore,
  type PgDreamStore,
  type PgWorkerStore,
} from './narrow-stores.js';
export type { PgActions, PgLog, PgDreams, PgRedeliveries, PgApprovals, PgNotify, PgPushSubscriptions, PgWebSessions, PgRetention, PgReminders };
export type { PgDueReminder } from './reminders.js';
export { PG_PRUNE_BATCH, type PgPruneReport } from './retention.js';
export type { SweepState } from './redeliveries.js';
export type { PgApproval } from './approvals.js';
export type { PgNotice, NotifyWindow, PgAdmission } from './notify.js';
export type { DreamMarks, ChainMark, MarkedLine, TeamDreamState, DreamHolder, TeamDreaming } from './dream.js';
export { migratePg, isMigrated } from './migrate.js';
export { PG_MIGRATIONS } from './migrations.js';
export type { LoginFailureTable } from './login-failures.js';
export { verifyPgLog, readPgLog, readPgLogDay, readPgLogAfter, pgLogHeads, type ChainCursor, type ChainVerifyResult } from './log.js';
export { roleHolders, type RoleHolder } from './roles.js';
export { teamStatus, type TeamStatus } from './status.js';
export { readRejections, type NodeRejections, type PgRejections } from './rejections.js';
export { isSlotTaken, type PgTicks } from './ticks.js';
export type { RoleName } from './advisory.js';

export interface PgStoreOptions {
  url: string;
  node: string;
  clock?: Clock;
  leaseSeconds?: number;
  /** Pool size. */
  max?: number;
  roleEvents?: RoleEvents;
  /** How often roles are tried and confirmed; a third of the lease by default. */
  roleRetryMs?: number;
  mask?: SecretMask;
}

export class PgStore {
  readonly inbox: PgInbox;
  readonly actions: PgActions;
  readonly decisions: PgDecisions;
  readonly nodes: PgNodes;
  readonly log: PgLog;
  readonly roles: PgRoles;
  readonly ticks: PgTicks;
  readonly dreams: PgDreams;
  /** The redelivery sweep's state, read by the role's holder (its worker sweeps and writes it). */
  readonly redeliveries: PgRedeliveries;
  /** The owner's answers and spent capability tokens. */
  readonly approvals: PgApprovals;
  readonly suggestions: PgRuleSuggestions;
  /** Notices queued for the owner (the node's worker sends them). */
  readonly notify: PgNotify;
  /** Tokens per model call (`vigil status` adds up the day's). */
  readonly usage: PgUsage;
  /** The dashboard's login sessions, valid on every node. */
  readonly webSessions: PgWebSessions;
  /** The login limits' failures, counted across nodes. */
  readonly loginFailures: PgLoginFailures;
  /** The browsers that asked for web push (any node's worker sends to them). */
  readonly pushSubscriptions: PgPushSubscriptions;
  /** Prunes what `store.retainDays` no longer keeps; any node, several at once. */
  readonly retention: PgRetention;
  /** `remind` actions' reminders: every node fires those due, each once (team-reminders.ts). */
  readonly reminders: PgReminders;
  /** The login the team's workers act as on GitHub (own echoes by sender). */
  readonly actingLogin: PgActingLogin;
  /** This node's refused webhook deliveries, saved for \`vigil status\` and \`vigil doctor\`. */
  readonly rejections: PgRejections;
  /** \`vigil cancel\` through this node (POST /api/actions/:id/cancel): the flag the running task's worker polls. */
  readonly cancels: PgAgentCancels;
  /** What the Tasks page shows of every node's agent tasks. */
  readonly agentTasks: PgAgentTasks;

  /** How long a claim or a role outlives a silent node (`store.leaseSeconds`); a node is alive within it. */
  readonly leaseSeconds: number;

  private constructor(
    readonly pool: pg.Pool,
    readonly node: string,
    options: PgStoreOptions,
  ) {
    const clock = options.clock ?? systemClock;
    const leaseSeconds = options.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
    this.leaseSeconds = leaseSeconds;
    this.inbox = new PgInbox(pool, node, clock, leaseSeconds);
    this.actions = new PgActions(pool, node, clock, leaseSeconds);
    this.decisions = new PgDecisions(pool, node, clock);
    this.nodes = new PgNodes(pool, node, clock, leaseSeconds);
    const { mask } = options;
    this.log = new PgLog(node, clock, mask ? () => mask : secretMask);
    this.ticks = new PgTicks(pool, node, clock);
    this.dreams = new PgDreams(pool, node, this.log);
    this.redeliveries = new PgRedeliveries(pool, node);
    this.approvals = new PgApprovals(node);
    this.suggestions = new PgRuleSuggestions(node);
    this.notify = new PgNotify(pool, node, node, clock, leaseSeconds);
    this.usage = new PgUsage(pool, node, clock);
    this.webSessions = new PgWebSessions(pool);
    this.loginFailures = new PgLoginFailures(pool);
    this.pushSubscriptions = new PgPushSubscriptions(pool, node);
    this.retention = new PgRetention(pool);
    this.reminders = new PgReminders(pool, node, clock);
    this.actingLogin = new PgActingLogin(pool);
    this.rejections = new PgRejections(pool, node, clock);
    this.cancels = new PgAgentCancels(pool);
    this.agentTasks = new PgAgentTasks(pool);
    this.roles = new PgRoles(options, options.roleEvents ?? { gained: () => {}, lost: () => {} }, options.roleRetryMs ?? (leaseSeconds * 1000) / 3);
  }

  /** Connects, brings the schema up to date and registers this node. */
  static async open(options: PgStoreOptions): Promise<PgStore> {
    const node = checkNodeName(options.node);
    const pool = openPgPool(options);
    try {
      await migratePg(pool);
      const store = new PgStore(pool, node, options);
      await store.nodes.register();
      return store;
    } catch (err) {
      await pool.end().catch(() => {});
      throw err;
    }
  }

  transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return withTransaction(this.pool, fn);
  }

  /** What `vigil status` and a node's page show: the nodes (alive within the lease), roles, the shared inbox and actions, today's model use. */
  status(now: number): Promise<TeamStatus> {
    return teamStatus(this.pool, now, this.leaseSeconds);
  }

  /** Every node's newest log entries of these types, oldest first (a decision's recent activity). */
  recentLog(types: readonly string[], limit: number): Promise<Array<LogEntry & { node: string }>> {
    return recentPgLogEntries(this.pool, types, limit);
  }

  /** A memory file's newest content (MEMORY.md for a decision's prompt). */
  memoryFile(path: string): Promise<string | undefined> {
    return readPgMemoryFile(this.pool, path);
  }

  /** Every memory file's newest content (a decision's memory_view reads a node-local copy). */
  memoryHeads(): Promise<Array<{ path: string; content: string }>> {
    return readPgMemoryHeads(this.pool);
  }

  /** A write of the team's memory by this node, all or nothing (writePgMemory: under the memory lock, `changes` from the rows inside it, `also` in the same transaction). */
  writeMemory(now: number, changes: (rows: PgMemoryRow[]) => PgMemoryChange[], also?: (client: pg.PoolClient, changed: readonly string[]) => Promise<void>): Promise<string[]> {
    return writePgMemory(this.pool, this.node, now, changes, also);
  }

  /** A log record by its chain and seq (`node` absent: that seq of the day in every node's chain). */
  logRecords(day: string, seq: number, node?: string): Promise<Array<{ node: string; entry: LogEntry }>> {
    return readPgLogRecords(this.pool, day, seq, node);
  }

  /** The newest `limit` entries of a local day across every chain, merged by time (the dashboard's timeline). */
  dayTail(day: string, limit: number): Promise<Array<LogEntry & { node: string }>> {
    return readPgLogDayTail(this.pool, day, limit);
  }

  /** One day's entries of these types across every chain (the Activity page's counts). */
  dayEntriesOfTypes(day: string, types: readonly string[]): Promise<LogEntry[]> {
    return readPgLogDayOfTypes(this.pool, day, types);
  }

  /** Several days' model usage per model and purpose, every node's together. */
  usageByDay(days: readonly string[]): Promise<Map<string, UsageTotals[]>> {
    return pgUsageByDay(this.pool, days);
  }

  /** The oldest day any chain has. */
  firstLogDay(): Promise<string | undefined> {
    return firstPgLogDay(this.pool);
  }

  /** What a follower of every chain reads (the dashboard's live timeline, as `vigil log --follow`). */
  logFollowSource() {
    const pool = this.pool;
    return {
      heads: (days: readonly string[]) => pgLogHeads(pool, days),
      after: (days: readonly string[], cursors: readonly ChainCursor[]) => readPgLogAfter(pool, days, cursors),
    };
  }

  /** What the node-local search index of the team's log and inbox reads (a decision's memory_search). */
  searchSource() {
    const pool = this.pool;
    return {
      teamId: () => teamId(pool),
      chains: () => chainLengths(pool),
      chainLines: (node: string, day: string, afterSeq: number, limit: number) => chainLines(pool, node, day, afterSeq, limit),
      eventsAfter: (afterId: number, limit: number) => eventsAfter(pool, afterId, limit),
    };
  }

  async close(): Promise<void> {
    await this.roles.close();
    await this.pool.end();
  }
}

/**
 * The stores a short-lived process opens on a team's database (issue 19): the CLI's
 * `vigil approve`, `vigil tick`, `vigil cancel` and `vigil dream --now` on a team's home,
 * and a node's execution worker. Each is a small pool named after its node that
 * registers no node and migrates nothing (the node did both), with only the tables its
 * command touches. The node's own store is PgStore (index.ts).
 */
import type pg from 'pg';
import { systemClock, type Clock } from '../../clock.js';
import { secretMask, type SecretMask } from '../../secrets/index.js';
import { checkNodeName, openPgPool, withTransaction } from './connect.js';
import { PgActions } from './actions.js';
import { PgActingLogin } from './acting-login.js';
import { PgAgentCancels } from './agent-cancel.js';
import { PgApprovals } from './approvals.js';
import { PgDreams } from './dream.js';
import { DEFAULT_LEASE_SECONDS } from './leases.js';
import { PgLog } from './log.js';
import { memoryHeads, writePgMemory, type PgMemoryChange } from './memory.js';
import { isMigrated } from './migrate.js';
import { PgNotify } from './notify.js';
import { PgPushSubscriptions } from './push-subscriptions.js';
import { PgRedeliveries } from './redeliveries.js';
import { PgReminders } from './reminders.js';
import { PgRoles } from './roles.js';
import { PgRuleSuggestions } from './rule-suggestions.js';
import { PgTicks } from './ticks.js';
import { PgUsage } from './usage.js';

interface ShortLivedOptions {
  url: string;
  node: string;
  clock?: Clock;
  mask?: SecretMask;
}

/**
 * What every store here starts from: the node's name checked, a pool of `max`
 * connections named after it, the clock, the node's log chain (redacted with the given
 * mask, else the process's), and a transaction and close over the pool.
 */
function shortLivedPool(options: ShortLivedOptions, max: number) {
  const node = checkNodeName(options.node);
  const pool = openPgPool({ url: options.url, node, max });
  const clock = options.clock ?? systemClock;
  const { mask } = options;
  return {
    node,
    pool,
    clock,
    log: new PgLog(node, clock, mask ? () => mask : secretMask),
    transaction: <T>(fn: (client: pg.PoolClient) => Promise<T>) => withTransaction(pool, fn),
    close: () => pool.end(),
  };
}

/**
 * What answering an approval needs (the node's capability route, the CLI's `vigil
 * approve` with `store.url`): the approvals, the chain its lines go to, a transaction.
 */
export interface PgAnswerStore {
  approvals: PgApprovals;
  /** Rule suggestions (pg-021): offered after the owner's approvals, whoever took them. */
  suggestions: PgRuleSuggestions;
  log: PgLog;
  transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
}

/** The CLI's: a short-lived pool (one connection) that registers no node; its lines go to `node`'s chain. */
export function openPgAnswerStore(options: ShortLivedOptions): PgAnswerStore & { close(): Promise<void> } {
  const { node, log, transaction, close } = shortLivedPool(options, 1);
  return { approvals: new PgApprovals(node), suggestions: new PgRuleSuggestions(node), log, transaction, close };
}

/**
 * What `vigil tick` on a team's home needs (issue 19): the tick mark's reads, the manual
 * tick's insert, the chain its line goes to, a transaction; a short-lived pool (one
 * connection) that registers no node and migrates nothing.
 */
export interface PgTickStore {
  ticks: Pick<PgTicks, 'tables' | 'baseline' | 'enqueueManual'>;
  log: PgLog;
  transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function openPgTickStore(options: ShortLivedOptions): PgTickStore {
  const { node, pool, clock, log, transaction, close } = shortLivedPool(options, 1);
  return { ticks: new PgTicks(pool, node, clock), log, transaction, close };
}

/**
 * What `vigil cancel ID` on a team's home needs (issue 19): the cancel flags, the chain
 * its line goes to, a transaction; a short-lived pool (one connection) that registers no
 * node and migrates nothing.
 */
export interface PgCancelStore {
  cancels: Pick<PgAgentCancels, 'lock' | 'request'>;
  log: PgLog;
  transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function openPgCancelStore(options: ShortLivedOptions): PgCancelStore {
  const { pool, log, transaction, close } = shortLivedPool(options, 1);
  return { cancels: new PgAgentCancels(pool), log, transaction, close };
}

/**
 * What \`vigil dream --now\` on a team's home with no node running needs (issue 19): the
 * dream's tables, the actions (its digest), and the dreamer role on a connection of its
 * own, so that the CLI's dream is the team's one dream at a time; a short-lived pool that
 * registers no node and migrates nothing. Its lines go to `node`'s chain.
 */
export interface PgDreamStore {
  dreams: PgDreams;
  actions: PgActions;
  roles: PgRoles;
  /** Whether a node has started on the database (no schema: nothing to dream). */
  migrated(): Promise<boolean>;
  close(): Promise<void>;
}

export function openPgDreamStore(options: ShortLivedOptions): PgDreamStore {
  const { node, pool, clock, log } = shortLivedPool(options, 2);
  const roles = new PgRoles({ url: options.url, node }, { gained: () => {}, lost: () => {} }, 1000);
  return {
    dreams: new PgDreams(pool, node, log),
    actions: new PgActions(pool, node, clock, DEFAULT_LEASE_SECONDS),
    roles,
    migrated: () => isMigrated(pool),
    close: async () => {
      await roles.close();
      await pool.end();
    },
  };
}

/**
 * What a node's execution worker opens (issue 19): a small pool of its own (named after
 * its node), the actions claimed under `holder` (`workerHolder`), and the node's log chain.
 * It registers no node and migrates nothing: its node did both.
 */
export interface PgWorkerStore {
  actions: PgActions;
  log: PgLog;
  /** The redelivery sweep's memory, written as `holder`. */
  redeliveries: PgRedeliveries;
  /** The notices it sends, claimed under `holder`. */
  notify: PgNotify;
  approvals: PgApprovals;
  /** The rule suggestions its `rule` notices name. */
  suggestions: PgRuleSuggestions;
  /** The browsers its web push channel sends to. */
  pushSubscriptions: PgPushSubscriptions;
  /** Where its `remind` actions add their reminders. */
  reminders: PgReminders;
  /** Where it says which login GitHub named on its writes. */
  actingLogin: PgActingLogin;
  /** Its agent tasks' `vigil cancel` flags. */
  agentCancels: PgAgentCancels;
  /** The built-in agent's model calls, in the team's ledger under its node's name. */
  usage: PgUsage;
  /** Its `memory.note` writes, as `holder`: all or nothing, `change` given each file's newest content inside the write (writePgMemory). */
  writeMemory(change: (heads: ReadonlyMap<string, string>) => PgMemoryChange[]): Promise<string[]>;
  transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function openPgWorkerStore(options: ShortLivedOptions & { holder: string; leaseSeconds?: number }): PgWorkerStore {
  const { node, pool, clock, log, transaction, close } = shortLivedPool(options, 2);
  const leaseSeconds = options.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
  return {
    actions: new PgActions(pool, options.holder, clock, leaseSeconds),
    notify: new PgNotify(pool, options.holder, node, clock, leaseSeconds),
    approvals: new PgApprovals(node),
    suggestions: new PgRuleSuggestions(node),
    log,
    redeliveries: new PgRedeliveries(pool, options.holder),
    pushSubscriptions: new PgPushSubscriptions(pool, node),
    reminders: new PgReminders(pool, node, clock),
    actingLogin: new PgActingLogin(pool),
    agentCancels: new PgAgentCancels(pool),
    usage: new PgUsage(pool, node, clock),
    writeMemory: (change) => writePgMemory(pool, options.holder, clock.now(), (rows) => change(memoryHeads(rows))),
    transaction,
    close,
  };
}

/**
 * What `vigil status` shows of a team (issue 19), read from the database itself: each
 * node's last heartbeat and what it said it holds, who holds each role now (pg_locks),
 * the shared inbox and actions by state, today's model calls and tokens, and how many
 * browsers web push reaches.
 */
import { localDate } from '../../clock.js';
import type { UsageTotals } from '../usage-ledger.js';
import type { Queryable } from './connect.js';
import { pgUsageTotals } from './usage.js';
import { roleHolders, type RoleHolder } from './roles.js';
import type { NodeHolds } from './nodes.js';
import { isMigrated } from './migrate.js';
import { channelOutcomes } from './notify.js';
import { readRejections, type NodeRejections } from './rejections.js';

export interface TeamNode {
  name: string;
  startedAt: number;
  heartbeatAt: number;
  alive: boolean;
  holds: NodeHolds;
}

export interface TeamStatus {
  nodes: TeamNode[];
  roles: RoleHolder[];
  inbox: Record<string, number>;
  actions: Record<string, number>;
  /** Today's (local) model calls and tokens per model and purpose, every node's together (pg-008). */
  usageToday: UsageTotals[];
  /** Browsers subscribed to web push on any node (pg-009). */
  pushSubscriptions: number;
  /**
   * The team's last tick: a slot looked at (`enqueued`, or `skipped` when found quiet), or
   * a tick event put in the inbox by \`vigil tick\` or a reminder (`enqueued`).
   */
  lastTick: { at: number; outcome: 'enqueued' | 'skipped' } | undefined;
  /** The team's last dream and last failed one (pg-005). */
  dream: { lastDreamAt: number | null; lastFailedAt: number | null; lastFailure: string | null } | undefined;
  /** Each node's refused deliveries, as it last saved them (pg-020). */
  rejections: NodeRejections[];
  /** Each channel's last outcome, whichever node's worker sent (pg-023). */
  channels: Record<string, { at: number; ok: boolean; error?: string }>;
}

/** A node is alive while its last heartbeat is younger than the lease (the bound after which its claims are taken over). */
export async function teamStatus(db: Queryable, now: number, leaseSeconds: number): Promise<TeamStatus> {
  // No node has started on this database yet: a team with nothing in it, not an error.
  if (!(await isMigrated(db))) return { nodes: [], roles: [], inbox: {}, actions: {}, usageToday: [], pushSubscriptions: 0, lastTick: undefined, dream: undefined, rejections: [], channels: {} };
  const nodes = (await db.query<{ name: string; started_at: number; heartbeat_at: number; holds: NodeHolds }>(
    'SELECT name, started_at, heartbeat_at, holds FROM nodes ORDER BY name',
  )).rows.map((r) => ({ name: r.name, startedAt: r.started_at, heartbeatAt: r.heartbeat_at, alive: r.heartbeat_at > now - leaseSeconds * 1000, holds: r.holds }));
  const byState = async (table: 'inbox' | 'actions') =>
    Object.fromEntries((await db.query<{ state: string; n: number }>(`SELECT state, count(*)::int AS n FROM ${table} GROUP BY state ORDER BY state`)).rows.map((r) => [r.state, r.n]));
  const pushSubscriptions = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM push_subscriptions')).rows[0]!.n;
  return {
    nodes,
    roles: await roleHolders(db),
    inbox: await byState('inbox'),
    actions: await byState('actions'),
    usageToday: await pgUsageTotals(db, localDate(now)),
    pushSubscriptions,
    lastTick: await lastTick(db),
    dream: await lastDream(db),
    rejections: await readRejections(db),
    channels: await channelOutcomes(db),
  };
}

async function lastTick(db: Queryable): Promise<TeamStatus['lastTick']> {
  const { rows } = await db.query<{ at: number; outcome: 'enqueued' | 'skipped' }>(
    `SELECT at, outcome FROM (
       (SELECT enqueued_at AS at, CASE WHEN event_id IS NULL THEN 'skipped' ELSE 'enqueued' END AS outcome FROM ticks ORDER BY slot DESC LIMIT 1)
       UNION ALL
       (SELECT received_at, 'enqueued' FROM inbox WHERE source = 'tick' ORDER BY id DESC LIMIT 1)
     ) t ORDER BY at DESC LIMIT 1`,
  );
  return rows[0];
}

async function lastDream(db: Queryable): Promise<TeamStatus['dream']> {
  const { rows } = await db.query<{ last_dream_at: number | null; last_failed_at: number | null; last_failure: string | null }>(
    'SELECT last_dream_at, last_failed_at, last_failure FROM dream_state WHERE id = 1',
  );
  const row = rows[0];
  return row ? { lastDreamAt: row.last_dream_at, lastFailedAt: row.last_failed_at, lastFailure: row.last_failure } : undefined;
}

/**
 * The nodes of a team's vigil (issue 19): each says when it started, beats every few
 * seconds, and says what it holds (roles, leased events and actions) for `vigil status`.
 * A node is alive while its last heartbeat is younger than the lease: the same bound
 * after which its leases are taken over.
 */
import type pg from 'pg';
import type { Clock } from '../../clock.js';

export interface NodeHolds {
  roles: string[];
  events: number;
  actions: number;
}

export interface NodeRow {
  name: string;
  startedAt: number;
  heartbeatAt: number;
  holds: NodeHolds;
  alive: boolean;
}

export class PgNodes {
  constructor(
    private readonly pool: pg.Pool,
    private readonly node: string,
    private readonly clock: Clock,
    private readonly leaseSeconds: number,
  ) {}

  /** At start: this node's row, started now, holding nothing yet. */
  async register(): Promise<void> {
    const now = this.clock.now();
    await this.pool.query(
      `INSERT INTO nodes (name, started_at, heartbeat_at, holds) VALUES ($1, $2, $2, $3)
       ON CONFLICT (name) DO UPDATE SET started_at = $2, heartbeat_at = $2, holds = $3`,
      [this.node, now, JSON.stringify({ roles: [], events: 0, actions: 0 })],
    );
  }

  /**
   * A beat: now, with the roles this node holds; its leased events and its workers'
   * running actions (held as `node:w<pid>`, workerHolder) are counted from the tables.
   */
  async heartbeat(roles: readonly string[]): Promise<void> {
    const now = this.clock.now();
    await this.pool.query(
      `UPDATE nodes SET heartbeat_at = $2, holds = jsonb_build_object(
         'roles', $3::jsonb,
         'events', (SELECT count(*) FROM inbox WHERE state = 'claimed' AND claimed_by = $1 AND lease_until > $2),
         'actions', (SELECT count(*) FROM actions WHERE state = 'running' AND starts_with(claimed_by, $1 || ':') AND lease_until > $2))
       WHERE name = $1`,
      [this.node, now, JSON.stringify([...roles].sort())],
    );
  }

  async list(): Promise<NodeRow[]> {
    const now = this.clock.now();
    const { rows } = await this.pool.query<{ name: string; started_at: number; heartbeat_at: number; holds: NodeHolds }>(
      'SELECT name, started_at, heartbeat_at, holds FROM nodes ORDER BY name',
    );
    return rows.map((r) => ({
      name: r.name,
      startedAt: r.started_at,
      heartbeatAt: r.heartbeat_at,
      holds: r.holds,
      alive: r.heartbeat_at > now - this.leaseSeconds * 1000,
    }));
  }
}

/**
 * Who holds the actions a node's worker runs: the node and the worker's pid. A worker of
 * the same node's next process (the node restarted while the old worker finished its
 * action) holds under another name, so neither can finish or renew the other's claim.
 * `:` is never in a node name (checkNodeName).
 */
export function workerHolder(node: string, pid: number): string {
  return `${node}:w${pid}`;
}

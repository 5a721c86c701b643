/**
 * Claims with leases, shared by the inbox and the actions (issue 19). Any node claims
 * with `FOR UPDATE SKIP LOCKED`, so concurrent claimers never wait on each other nor take
 * the same row; a claim records its node and a lease (`lease_until`, epoch ms by the
 * injected clock). A claim whose lease ran out — its node died, hung or lost the database
 * — is claimable again; a node finishes or renews only what it still holds, so a node
 * that lost its lease cannot also finish the work another node now holds.
 *
 * Leases compare the claimer's clock with the writer's: nodes keep their clocks in step
 * (NTP); a skew of s seconds moves the failover by s.
 */
import type { Queryable } from './connect.js';

/** `store.leaseSeconds`' default: how long a claim or a role outlives a silent node. */
export const DEFAULT_LEASE_SECONDS = 30;

/** The two tables claimed with leases, and their states. Never built from input. */
export interface LeaseTable {
  table: 'inbox' | 'actions';
  /** The state a row waits in to be claimed, and returns to when released. */
  ready: 'pending' | 'approved';
  /** The state of a claimed row. */
  held: 'claimed' | 'running';
  /** Oldest first. */
  order: 'id' | 'created_at';
}

export const INBOX_LEASES: LeaseTable = { table: 'inbox', ready: 'pending', held: 'claimed', order: 'id' };
export const ACTION_LEASES: LeaseTable = { table: 'actions', ready: 'approved', held: 'running', order: 'created_at' };

export interface Lease {
  node: string;
  leaseMs: number;
}

/**
 * Which actions a claimer can carry out: these kinds, and of the kinds in `cloned` only
 * those about a repository in `repos` — an agent task runs in a worktree of a local clone,
 * which not every node has. The others wait for a claimer that can.
 */
export interface Claimable {
  actions: readonly string[];
  cloned?: { actions: readonly string[]; repos: readonly string[] };
}

/**
 * Claims up to `limit` rows for `lease.node`: ready ones, and held ones whose lease ran
 * out (a dead node's), oldest first. Rows another transaction is claiming right now are
 * skipped, not waited for. `attempts` counts every claim.
 */
export async function claimRows<R>(db: Queryable, t: LeaseTable, lease: Lease, now: number, limit: number, claimable?: Claimable): Promise<R[]> {
  const params: unknown[] = [now, limit, lease.node, lease.leaseMs];
  const only = claimableFilter(t, params, claimable);
  const { rows } = await db.query(
    `WITH picked AS (
       SELECT id FROM ${t.table}
       WHERE ${readyOrExpired(t)}${only}
       ORDER BY ${t.order}, id
       LIMIT $2
       FOR UPDATE SKIP LOCKED
     )
     UPDATE ${t.table} AS r
     SET state = '${t.held}', claimed_by = $3, lease_until = $1::bigint + $4::bigint, attempts = r.attempts + 1
     FROM picked WHERE r.id = picked.id
     RETURNING r.*`,
    params,
  );
  // RETURNING keeps no order: put the claimed rows back in the order they were picked in.
  const key = (row: R) => row as Record<string, unknown>;
  return (rows as R[]).sort((a, b) => compare(key(a)[t.order], key(b)[t.order]) || compare(key(a)['id'], key(b)['id']));
}

/**
 * Whether `claimRows` would claim anything now, without claiming: a node whose worker has
 * exited idle asks this to know when to start one (src/daemon/team-worker.ts). The same
 * predicate as the claim's, so that the two never disagree.
 */
export async function anyClaimable(db: Queryable, t: LeaseTable, now: number, claimable?: Claimable): Promise<boolean> {
  const params: unknown[] = [now];
  const only = claimableFilter(t, params, claimable);
  const { rows } = await db.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${t.table} WHERE ${readyOrExpired(t)}${only}) AS any`, params);
  return rows[0]?.any === true;
}

/** Ready rows, and held ones whose lease ran out (a dead node's); `$1` is now. */
function readyOrExpired(t: LeaseTable): string {
  return `(state = '${t.ready}' OR (state = '${t.held}' AND lease_until <= $1))`;
}

/**
 * Actions only: just the kinds this claimer can carry out (the others wait for a claimer
 * that can), as an SQL condition whose values are pushed onto `params`.
 */
function claimableFilter(t: LeaseTable, params: unknown[], claimable: Claimable | undefined): string {
  if (t.table !== 'actions' || !claimable) return '';
  params.push(claimable.actions);
  let only = ` AND action = ANY($${params.length}::text[])`;
  if (claimable.cloned) {
    // GitHub names are case-insensitive, and the gate stores `repo` lowercased; a row without one names it in its params.
    params.push(claimable.cloned.actions, claimable.cloned.repos.map((r) => r.toLowerCase()));
    only += ` AND (action <> ALL($${params.length - 1}::text[]) OR lower(COALESCE(repo, params::jsonb->>'repo')) = ANY($${params.length}::text[]))`;
  }
  return only;
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/** Extends the leases this node still holds; the ids it returns are the ones still held. */
export async function renewRows<Id extends number | string>(db: Queryable, t: LeaseTable, lease: Lease, ids: readonly Id[], now: number): Promise<Id[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<{ id: Id }>(
    `UPDATE ${t.table} SET lease_until = $1::bigint + $2::bigint
     WHERE id = ANY($3) AND state = '${t.held}' AND claimed_by = $4 AND lease_until > $1
     RETURNING id`,
    [now, lease.leaseMs, ids, lease.node],
  );
  return rows.map((r) => r.id);
}

/** Gives a held row back to the ready state without finishing it (e.g. the model failed). */
export async function releaseRow(db: Queryable, t: LeaseTable, node: string, id: number | string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE ${t.table} SET state = '${t.ready}', claimed_by = NULL, lease_until = NULL
     WHERE id = $1 AND state = '${t.held}' AND claimed_by = $2`,
    [id, node],
  );
  return rowCount === 1;
}

/**
 * The guard of every finishing UPDATE: the row is still held by this node under a live
 * lease. `$1` is the id, `$2` the node, `$3` now.
 */
export function stillHeld(t: LeaseTable): string {
  return `id = $1 AND state = '${t.held}' AND claimed_by = $2 AND lease_until > $3`;
}

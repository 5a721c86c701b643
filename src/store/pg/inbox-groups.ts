/**
 * Claiming a coalesced group across nodes (issue 19 with issue 14): deliveries that belong
 * together (one `coalesce_key`: a CI run's head SHA, an issue or pull request) may arrive
 * at different nodes, yet are decided as one. A group is due once `windowMs` have passed
 * since its newest claimable row arrived — computed from the rows, so every node agrees
 * and a restart changes nothing — and is claimed whole, by one node, in one transaction:
 *
 * - the subject's transaction-scoped advisory lock first (`pg_try_advisory_xact_lock`):
 *   two nodes that both picked the subject never split it between them — the second one
 *   skips it, or finds it already claimed once the first committed;
 * - then every claimable row of the subject (`FOR UPDATE SKIP LOCKED`), under one lease.
 *
 * Rows whose lease ran out are claimable like pending ones, so a group held by a node that
 * died is taken whole by another. A subject that never goes quiet (a stranger commenting
 * every few seconds) would be held for ever: a group is due at the latest `maxHoldMs`
 * after its oldest row arrived, and takes at most `maxRows` rows (the oldest); the rest
 * wait as a group of their own.
 */
import crypto from 'node:crypto';
import { GROUP_CLASS } from './advisory.js';
import { withTransaction, type Queryable } from './connect.js';
import type { Lease } from './leases.js';
import type pg from 'pg';

export interface GroupWindow {
  /** `github.coalesceSeconds` in ms. */
  windowMs: number;
  maxHoldMs: number;
  maxRows: number;
}

/** Subjects looked at per claim: a subject another node is claiming right now is skipped for the next. */
const CANDIDATES = 8;

/** A claimable row: `$1` is now. */
const CLAIMABLE = `(state = 'pending' OR (state = 'claimed' AND lease_until <= $1))`;

/**
 * The oldest due group (or keyless event) this node could claim, claimed: its rows in id
 * order, all held by `lease.node` until the same `lease_until`. Empty when nothing is due.
 */
export async function claimGroup<R extends { id: number }>(pool: pg.Pool, lease: Lease, now: number, window: GroupWindow): Promise<R[]> {
  return withTransaction(pool, async (tx) => {
    // As `claim`: a claim the server loses in a crash only makes its rows pending again.
    await tx.query('SET LOCAL synchronous_commit TO OFF');
    for (const candidate of await dueCandidates(tx, now, window)) {
      const rows = candidate.key === null ? await claimOne<R>(tx, lease, now, candidate.id) : await claimSubject<R>(tx, lease, now, candidate.key, window.maxRows);
      if (rows.length) return rows.sort((a, b) => a.id - b.id);
    }
    return [];
  });
}

/** The oldest claimable events whose group is due, one per subject: keyless ones are their own group. */
async function dueCandidates(db: Queryable, now: number, window: GroupWindow): Promise<{ id: number; key: string | null }[]> {
  const { rows } = await db.query<{ id: number; key: string | null }>(
    `WITH claimable AS (
       SELECT id, coalesce_key, received_at FROM inbox WHERE ${CLAIMABLE}
     ),
     due AS (
       SELECT coalesce_key, min(id) AS id FROM claimable WHERE coalesce_key IS NOT NULL
       GROUP BY coalesce_key
       HAVING max(received_at) <= $1::bigint - $2::bigint OR min(received_at) <= $1::bigint - $3::bigint
     )
     SELECT id, NULL AS key FROM claimable WHERE coalesce_key IS NULL
     UNION ALL
     SELECT id, coalesce_key AS key FROM due
     ORDER BY id
     LIMIT $4`,
    [now, window.windowMs, window.maxHoldMs, CANDIDATES],
  );
  return rows;
}

const CLAIM = `UPDATE inbox AS r
  SET state = 'claimed', claimed_by = $2, lease_until = $1::bigint + $3::bigint, attempts = r.attempts + 1
  FROM picked WHERE r.id = picked.id
  RETURNING r.*`;

async function claimOne<R>(tx: Queryable, lease: Lease, now: number, id: number): Promise<R[]> {
  const { rows } = await tx.query(
    `WITH picked AS (SELECT id FROM inbox WHERE id = $4 AND ${CLAIMABLE} FOR UPDATE SKIP LOCKED) ${CLAIM}`,
    [now, lease.node, lease.leaseMs, id],
  );
  return rows as R[];
}

async function claimSubject<R>(tx: Queryable, lease: Lease, now: number, key: string, maxRows: number): Promise<R[]> {
  const { rows: locked } = await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1, $2) AS ok', [GROUP_CLASS, subjectLockKey(key)]);
  if (!locked[0]?.ok) return [];
  const { rows } = await tx.query(
    `WITH picked AS (
       SELECT id FROM inbox WHERE coalesce_key = $4 AND ${CLAIMABLE}
       ORDER BY id LIMIT $5
       FOR UPDATE SKIP LOCKED
     ) ${CLAIM}`,
    [now, lease.node, lease.leaseMs, key, maxRows],
  );
  return rows as R[];
}

/** 32 bits of the subject's digest: the key reaches SQL only as a parameter, and as a number here. */
function subjectLockKey(key: string): number {
  return crypto.createHash('sha256').update(key).digest().readInt32BE(0);
}

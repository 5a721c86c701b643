/**
 * `vigil migrate`'s phone part (issue 19): the home's dashboard logins and web push
 * subscriptions written into the team's `web_sessions` and `push_subscriptions`, so a
 * browser logged in and subscribed on the home is so on every node, and read back in the
 * canonical form of src/store/home-export.ts. INSERT only, in the caller's transaction.
 */
import type pg from 'pg';
import type { CopiedSession, CopiedSubscription } from '../home-export.js';
import type { Queryable } from './connect.js';

export async function insertSessions(client: pg.PoolClient, sessions: readonly CopiedSession[]): Promise<void> {
  if (sessions.length === 0) return;
  await client.query(
    `INSERT INTO web_sessions (id_hash, csrf, created_at, expires_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[])`,
    [sessions.map((s) => s.idHash), sessions.map((s) => s.csrf), sessions.map((s) => s.createdAt), sessions.map((s) => s.expiresAt)],
  );
}

/** `node`: the node the home becomes, named as the one that took each subscription. */
export async function insertSubscriptions(client: pg.PoolClient, node: string, subscriptions: readonly CopiedSubscription[]): Promise<void> {
  if (subscriptions.length === 0) return;
  const s = subscriptions;
  await client.query(
    `INSERT INTO push_subscriptions (endpoint, p256dh, auth, user_agent, created_at, backoff_until, last_ok_at, node)
     SELECT e.*, $8 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::bigint[])
       AS e(endpoint, p256dh, auth, user_agent, created_at, backoff_until, last_ok_at)`,
    [s.map((x) => x.endpoint), s.map((x) => x.p256dh), s.map((x) => x.auth), s.map((x) => x.userAgent), s.map((x) => x.createdAt), s.map((x) => x.backoffUntil), s.map((x) => x.lastOkAt), node],
  );
}

const byKey = <T>(key: (row: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

export async function readSessions(db: Queryable): Promise<CopiedSession[]> {
  // bigint columns come back as numbers (connect.ts).
  const { rows } = await db.query<{ id_hash: string; csrf: string; created_at: number; expires_at: number }>('SELECT id_hash, csrf, created_at, expires_at FROM web_sessions');
  return rows.map((r) => ({ idHash: r.id_hash, csrf: r.csrf, createdAt: r.created_at, expiresAt: r.expires_at })).sort(byKey((r) => r.idHash));
}

export async function readSubscriptions(db: Queryable): Promise<CopiedSubscription[]> {
  const { rows } = await db.query<{ endpoint: string; p256dh: string; auth: string; user_agent: string | null; created_at: number; backoff_until: number | null; last_ok_at: number | null }>(
    'SELECT endpoint, p256dh, auth, user_agent, created_at, backoff_until, last_ok_at FROM push_subscriptions',
  );
  return rows
    .map((r) => ({ endpoint: r.endpoint, p256dh: r.p256dh, auth: r.auth, userAgent: r.user_agent, createdAt: r.created_at, backoffUntil: r.backoff_until, lastOkAt: r.last_ok_at }))
    .sort(byKey((r) => r.endpoint));
}

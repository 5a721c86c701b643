/**
 * `vigil migrate`'s owner-facing part (issue 19): the home's dashboard logins and web push
 * subscriptions written into the team's `web_sessions` and `push_subscriptions`, so a
 * browser logged in and subscribed on the home is so on every node, and the reminders
 * still to fire into `reminders`; each read back in the canonical form of
 * src/store/home-export.ts. INSERT only, in the caller's transaction.
 */
import type pg from 'pg';
import type { CopiedReminder, CopiedSession, CopiedSubscription } from '../home-export.js';
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

/**
 * The home's unfired reminders with their ids kept (a reminder's tick names its id), as
 * the node the home becomes added them; \`createdAt\` is the copy's time — the home never
 * recorded when a reminder was made, and no check reads it.
 */
export async function insertReminders(client: pg.PoolClient, node: string, reminders: readonly CopiedReminder[], now: number): Promise<void> {
  if (reminders.length === 0) return;
  const r = reminders;
  await client.query(
    `INSERT INTO reminders (id, action_id, due_at, note, created_at, node)
     OVERRIDING SYSTEM VALUE
     SELECT e.*, $5, $6 FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[]) AS e(id, action_id, due_at, note)`,
    [r.map((x) => x.id), r.map((x) => x.actionId), r.map((x) => x.dueAt), r.map((x) => x.note), now, node],
  );
  await client.query(`SELECT setval(pg_get_serial_sequence('reminders', 'id'), (SELECT max(id) FROM reminders))`);
}

export async function readReminders(db: Queryable): Promise<CopiedReminder[]> {
  const { rows } = await db.query<{ id: number; action_id: string; due_at: number; note: string }>('SELECT id, action_id, due_at, note FROM reminders WHERE fired_at IS NULL ORDER BY id');
  return rows.map((r) => ({ id: Number(r.id), actionId: r.action_id, dueAt: Number(r.due_at), note: r.note }));
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

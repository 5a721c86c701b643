import type { Awaitable } from './awaitable.js';
import type { Db } from './db.js';

export interface PushSubscriptionRow {
  endpoint: string;
  p256dh: string;
  auth: string;
  backoffUntil: number | null;
}

/**
 * What the subscription routes and the web push channel need of the browsers' table:
 * this one, or a team's in PostgreSQL (src/store/pg/push-subscriptions.ts).
 */
export interface PushSubscriptionTable {
  upsertSubscription(sub: { endpoint: string; p256dh: string; auth: string; userAgent?: string }, now: number): Awaitable<void>;
  subscriptions(): Awaitable<PushSubscriptionRow[]>;
  subscriptionCount(): Awaitable<number>;
  removeSubscription(endpoint: string): Awaitable<boolean>;
  backOff(endpoint: string, until: number): Awaitable<void>;
  markSubscriptionOk(endpoint: string, now: number): Awaitable<void>;
}

/** The browsers that asked for web push (table `push_subscriptions`, migration 006-notify-web). */
export class PushSubscriptions implements PushSubscriptionTable {
  constructor(private readonly db: Db) {}

  /** A browser that subscribes again (new keys) is no longer backing off. */
  upsertSubscription(sub: { endpoint: string; p256dh: string; auth: string; userAgent?: string }, now: number): void {
    this.db
      .prepare(
        `INSERT INTO push_subscriptions (endpoint, p256dh, auth, user_agent, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(endpoint) DO UPDATE SET p256dh = excluded.p256dh, auth = excluded.auth,
           user_agent = excluded.user_agent, backoff_until = NULL`,
      )
      .run(sub.endpoint, sub.p256dh, sub.auth, sub.userAgent ?? null, now);
  }

  subscriptions(): PushSubscriptionRow[] {
    return this.db
      .prepare('SELECT endpoint, p256dh, auth, backoff_until AS backoffUntil FROM push_subscriptions ORDER BY created_at')
      .all() as PushSubscriptionRow[];
  }

  subscriptionCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM push_subscriptions').get() as { n: number }).n;
  }

  removeSubscription(endpoint: string): boolean {
    return this.db.prepare('DELETE FROM push_subscriptions WHERE endpoint = ?').run(endpoint).changes === 1;
  }

  backOff(endpoint: string, until: number): void {
    this.db.prepare('UPDATE push_subscriptions SET backoff_until = ? WHERE endpoint = ?').run(until, endpoint);
  }

  markSubscriptionOk(endpoint: string, now: number): void {
    this.db.prepare('UPDATE push_subscriptions SET last_ok_at = ?, backoff_until = NULL WHERE endpoint = ?').run(now, endpoint);
  }
}

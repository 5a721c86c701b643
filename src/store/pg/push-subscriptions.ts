/**
 * The browsers that asked a team for web push (issue 19), `push_subscriptions` (migration
 * pg-009): SQLite's table (src/store/push-subscriptions.ts) shared by every node — taken
 * by any node's route, sent to by any node's worker, a 404/410 removing it for all.
 */
import type { PushSubscriptionRow, PushSubscriptionTable } from '../push-subscriptions.js';
import type { Queryable } from './connect.js';

export class PgPushSubscriptions implements PushSubscriptionTable {
  constructor(
    private readonly db: Queryable,
    /** The node whose route takes a subscription (kept with it, for the operator). */
    private readonly node: string,
  ) {}

  /** A browser that subscribes again (new keys) is no longer backing off. */
  async upsertSubscription(sub: { endpoint: string; p256dh: string; auth: string; userAgent?: string }, now: number): Promise<void> {
    await this.db.query(
      `INSERT INTO push_subscriptions (endpoint, p256dh, auth, user_agent, created_at, node) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (endpoint) DO UPDATE SET p256dh = excluded.p256dh, auth = excluded.auth,
         user_agent = excluded.user_agent, node = excluded.node, backoff_until = NULL`,
      [sub.endpoint, sub.p256dh, sub.auth, sub.userAgent ?? null, now, this.node],
    );
  }

  async subscriptions(): Promise<PushSubscriptionRow[]> {
    const { rows } = await this.db.query<PushSubscriptionRow>(
      'SELECT endpoint, p256dh, auth, backoff_until AS "backoffUntil" FROM push_subscriptions ORDER BY created_at, endpoint',
    );
    return rows;
  }

  async subscriptionCount(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM push_subscriptions');
    return rows[0]!.n;
  }

  async removeSubscription(endpoint: string): Promise<boolean> {
    return (await this.db.query('DELETE FROM push_subscriptions WHERE endpoint = $1', [endpoint])).rowCount === 1;
  }

  async backOff(endpoint: string, until: number): Promise<void> {
    await this.db.query('UPDATE push_subscriptions SET backoff_until = $2 WHERE endpoint = $1', [endpoint, until]);
  }

  async markSubscriptionOk(endpoint: string, now: number): Promise<void> {
    await this.db.query('UPDATE push_subscriptions SET last_ok_at = $2, backoff_until = NULL WHERE endpoint = $1', [endpoint, now]);
  }
}

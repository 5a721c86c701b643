/**
 * Refused webhook deliveries on a team (issue 20 with issue 19): each node counts what its
 * own route refused, per minute for the last day (src/triggers/webhooks/rejections.ts),
 * and keeps the counts in its row of `webhook_rejections` (pg-020), saved with each
 * `webhook.rejected` line as the single daemon saves them in its kv — so that `vigil
 * status` and `vigil doctor` on any home of the team add up every node's, from another
 * process, and a node that restarts goes on from its own.
 */
import type { Clock } from '../../clock.js';
import type { WebhookRejectionLog } from '../kv-keys.js';
import type { Queryable } from './connect.js';
import type pg from 'pg';

export interface NodeRejections {
  node: string;
  log: WebhookRejectionLog;
}

export class PgRejections {
  /** Saves go one after another: a later snapshot is never overwritten by an earlier one. */
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly pool: pg.Pool,
    private readonly node: string,
    private readonly clock: Clock,
  ) {}

  /** This node's counts as it last saved them. */
  async load(): Promise<WebhookRejectionLog | undefined> {
    const { rows } = await this.pool.query<{ minutes: WebhookRejectionLog['minutes']; notified_at: number | null }>(
      'SELECT minutes, notified_at FROM webhook_rejections WHERE node = $1',
      [this.node],
    );
    const row = rows[0];
    return row ? { minutes: row.minutes, notifiedAt: row.notified_at } : undefined;
  }

  /** This node's counts, replacing its row; the snapshot is taken now, written in turn. */
  save(log: WebhookRejectionLog): Promise<void> {
    const minutes = JSON.stringify(log.minutes);
    const { notifiedAt } = log;
    const now = this.clock.now();
    const write = async () => {
      await this.pool.query(
        `INSERT INTO webhook_rejections (node, minutes, notified_at, saved_at) VALUES ($1, $2::jsonb, $3, $4)
         ON CONFLICT (node) DO UPDATE SET minutes = EXCLUDED.minutes, notified_at = EXCLUDED.notified_at, saved_at = EXCLUDED.saved_at`,
        [this.node, minutes, notifiedAt, now],
      );
    };
    const saved = this.saving.then(write, write);
    this.saving = saved.catch(() => undefined);
    return saved;
  }
}

/** Every node's saved counts; none on a database whose nodes have not reached pg-020 yet. */
export async function readRejections(db: Queryable): Promise<NodeRejections[]> {
  const there = (await db.query<{ there: boolean }>(`SELECT to_regclass('webhook_rejections') IS NOT NULL AS there`)).rows[0]!.there;
  if (!there) return [];
  const { rows } = await db.query<{ node: string; minutes: WebhookRejectionLog['minutes']; notified_at: number | null }>(
    'SELECT node, minutes, notified_at FROM webhook_rejections ORDER BY node',
  );
  return rows.map((r) => ({ node: r.node, log: { minutes: r.minutes, notifiedAt: r.notified_at } }));
}

/**
 * The team's usage ledger (issue 19), `model_usage` (migration pg-008): SQLite's ledger
 * (src/store/usage-ledger.ts) with the node that spent the tokens. One row per model call,
 * written at once — tokens are spent even when the decision fails to commit. `day` is the
 * node's local date of the call, as on SQLite.
 */
import { localDate, type Clock } from '../../clock.js';
import type { UsageEntry, UsageTotals } from '../usage-ledger.js';
import type { Queryable } from './connect.js';

export class PgUsage {
  constructor(
    private readonly db: Queryable,
    private readonly node: string,
    private readonly clock: Clock,
  ) {}

  /** `actionId`: the agent task the call was for (pg-024), so that any node's Tasks page shows what it spent. */
  async record(entry: UsageEntry, actionId?: string): Promise<void> {
    const at = this.clock.now();
    const u = entry.usage;
    await this.db.query(
      `INSERT INTO model_usage (at, day, node, provider, model, purpose, event_id, input_tokens, output_tokens,
         cache_creation_tokens, cache_read_tokens, duration_ms, action_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [at, localDate(at), this.node, entry.provider, entry.model, entry.purpose, entry.eventId,
        u.inputTokens, u.outputTokens, u.cacheCreationTokens, u.cacheReadTokens, Math.round(entry.durationMs), actionId ?? null],
    );
  }
}

/** One day's calls and tokens per model and purpose, every node's together (`vigil status` on a team). */
export async function pgUsageTotals(db: Queryable, day: string): Promise<UsageTotals[]> {
  const { rows } = await db.query<UsageTotals>(
    `SELECT model, purpose, count(*)::int AS calls, sum(input_tokens)::bigint AS "inputTokens", sum(output_tokens)::bigint AS "outputTokens",
       sum(cache_creation_tokens)::bigint AS "cacheCreationTokens", sum(cache_read_tokens)::bigint AS "cacheReadTokens"
     FROM model_usage WHERE day = $1 GROUP BY model, purpose ORDER BY model, purpose`,
    [day],
  );
  return rows;
}

/** Several days' calls and tokens per model and purpose, every node's together (the Activity page's trend). */
export async function pgUsageByDay(db: Queryable, days: readonly string[]): Promise<Map<string, UsageTotals[]>> {
  const { rows } = await db.query<UsageTotals & { day: string }>(
    `SELECT day, model, purpose, count(*)::int AS calls, sum(input_tokens)::bigint AS "inputTokens", sum(output_tokens)::bigint AS "outputTokens",
       sum(cache_creation_tokens)::bigint AS "cacheCreationTokens", sum(cache_read_tokens)::bigint AS "cacheReadTokens"
     FROM model_usage WHERE day = ANY($1::text[]) GROUP BY day, model, purpose ORDER BY day, model, purpose`,
    [days],
  );
  const byDay = new Map<string, UsageTotals[]>(days.map((d) => [d, []]));
  for (const { day, ...totals } of rows) byDay.get(day)?.push(totals);
  return byDay;
}

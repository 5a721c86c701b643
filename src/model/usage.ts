import { localDate } from '../clock.js';
import type { ModelConfig } from '../config/index.js';
import type { Db } from '../store/index.js';
import type { ModelCall, Usage } from './decision.js';
import { estimateCostUsd, priceFor } from './prices.js';

export interface ModelDayUsage extends Usage {
  model: string;
  calls: number;
  /** null when no price is known for the model. */
  estimatedCostUsd: number | null;
}

export interface UsageReport {
  day: string;
  models: ModelDayUsage[];
  calls: number;
  /** Sum over the models with a known price. */
  estimatedCostUsd: number;
}

/** One row per model call in `model_usage` (migration 004): tokens are spent even when the decision later fails. */
export class UsageLedger {
  constructor(private readonly db: Db) {}

  record(call: ModelCall, now: number): void {
    this.db
      .prepare(
        `INSERT INTO model_usage (at, day, provider, model, purpose, event_id, input_tokens, output_tokens,
           cache_creation_tokens, cache_read_tokens, duration_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        now,
        localDate(now),
        call.provider,
        call.model,
        call.purpose,
        call.eventId,
        call.usage.inputTokens,
        call.usage.outputTokens,
        call.usage.cacheCreationTokens,
        call.usage.cacheReadTokens,
        Math.round(call.durationMs),
      );
  }

  /** Today's (local date) tokens per model, priced from config and the built-in table. */
  report(now: number, config: Pick<ModelConfig, 'prices' | 'cacheTtl'>): UsageReport {
    const day = localDate(now);
    const rows = this.db
      .prepare(
        `SELECT model, count(*) AS calls, sum(input_tokens) AS inputTokens, sum(output_tokens) AS outputTokens,
           sum(cache_creation_tokens) AS cacheCreationTokens, sum(cache_read_tokens) AS cacheReadTokens
         FROM model_usage WHERE day = ? GROUP BY model ORDER BY model`,
      )
      .all(day) as Omit<ModelDayUsage, 'estimatedCostUsd'>[];
    const models = rows.map((row) => {
      const price = priceFor(row.model, config.prices);
      const cost = price ? estimateCostUsd(row, price, config.cacheTtl) : null;
      return { ...row, estimatedCostUsd: cost === null ? null : roundCents(cost) };
    });
    return {
      day,
      models,
      calls: models.reduce((n, m) => n + m.calls, 0),
      estimatedCostUsd: roundCents(models.reduce((sum, m) => sum + (m.estimatedCostUsd ?? 0), 0)),
    };
  }
}

/** Four decimals: a day of cached ticks costs fractions of a cent. */
function roundCents(usd: number): number {
  return Math.round(usd * 10_000) / 10_000;
}

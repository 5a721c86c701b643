import { localDate } from '../clock.js';
import type { Db } from './db.js';

/** Tokens of one model call, as the providers count them. */
export interface UsageTokens {
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
}

/**
 * One completed model call. Structurally the model room's `ModelCall`: the store names
 * its own shape so that it imports nothing from the providers.
 */
export interface UsageEntry {
  provider: string;
  model: string;
  /** What the call was for: `tick`, `event` (decisions), `agent` (agent tasks), `dream`. */
  purpose: string;
  /** The event decided, or the event behind the agent's task; null when there is none. */
  eventId: number | null;
  usage: UsageTokens;
  durationMs: number;
}

/** One day's sums for one model and purpose. */
export interface UsageTotals extends UsageTokens {
  model: string;
  purpose: string;
  calls: number;
}

/**
 * The usage ledger, `model_usage` (migration 004): one row per model call, written at
 * once because tokens are spent even when the decision or the task later fails. `day`
 * is the local YYYY-MM-DD of the call, so "today" needs no time-zone SQL.
 */
export class UsageLedger {
  constructor(private readonly db: Db) {}

  record(entry: UsageEntry, at: number): void {
    this.db
      .prepare(
        `INSERT INTO model_usage (at, day, provider, model, purpose, event_id, input_tokens, output_tokens,
           cache_creation_tokens, cache_read_tokens, duration_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        at,
        localDate(at),
        entry.provider,
        entry.model,
        entry.purpose,
        entry.eventId,
        entry.usage.inputTokens,
        entry.usage.outputTokens,
        entry.usage.cacheCreationTokens,
        entry.usage.cacheReadTokens,
        Math.round(entry.durationMs),
      );
  }

  /** The day's (`YYYY-MM-DD`, local) calls and tokens per model and purpose, ordered by both. */
  totals(day: string): UsageTotals[] {
    return this.db
      .prepare(
        `SELECT model, purpose, count(*) AS calls, sum(input_tokens) AS inputTokens, sum(output_tokens) AS outputTokens,
           sum(cache_creation_tokens) AS cacheCreationTokens, sum(cache_read_tokens) AS cacheReadTokens
         FROM model_usage WHERE day = ? GROUP BY model, purpose ORDER BY model, purpose`,
      )
      .all(day) as UsageTotals[];
  }
}

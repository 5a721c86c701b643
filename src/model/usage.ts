import type { ModelConfig } from '../config/index.js';
import { ZERO_USAGE, addUsage, type ModelCall, type Usage } from './decision.js';
import { estimateCostUsd, priceFor } from './prices.js';

/**
 * Where model calls are counted. Providers know no storage: the process that owns the
 * database (the daemon for decisions, the worker for agent tasks) hands one in, and every
 * completed call is recorded at once — tokens are spent even when the work later fails.
 */
export interface UsageRecorder {
  record(call: ModelCall, at: number): void;
}

/** One day's sums for one model and purpose, as the usage ledger keeps them. */
export interface DayUsageRow extends Usage {
  model: string;
  purpose: string;
  calls: number;
}

export interface ModelDayUsage extends Usage {
  model: string;
  calls: number;
  /** null when no price is known for the model. */
  estimatedCostUsd: number | null;
}

/** The day's calls for one purpose (`event`, `tick`, `agent`, `dream`), over every model. */
export interface PurposeDayUsage extends Usage {
  purpose: string;
  calls: number;
  /** Over its models with a known price; null when none has one. */
  estimatedCostUsd: number | null;
}

export interface UsageReport {
  day: string;
  models: ModelDayUsage[];
  /** What the tokens were for: decisions, agent tasks, dreams. */
  purposes: PurposeDayUsage[];
  calls: number;
  /** Sum over the models with a known price. */
  estimatedCostUsd: number;
}

type Pricing = Pick<ModelConfig, 'prices' | 'cacheTtl'>;

/** A day's ledger rows, priced from config and the built-in table, per model and per purpose. */
export function usageReport(day: string, rows: readonly DayUsageRow[], config: Pricing): UsageReport {
  const models = sumBy(rows, (row) => row.model).map(([model, sum]) => {
    const cost = costOf([{ ...sum, model }], config);
    return { model, ...sum, estimatedCostUsd: cost };
  });
  const purposes = sumBy(rows, (row) => row.purpose).map(([purpose, sum]) => {
    const cost = costOf(rows.filter((row) => row.purpose === purpose), config);
    return { purpose, ...sum, estimatedCostUsd: cost };
  });
  return {
    day,
    models,
    purposes,
    calls: models.reduce((n, m) => n + m.calls, 0),
    estimatedCostUsd: roundCents(models.reduce((sum, m) => sum + (m.estimatedCostUsd ?? 0), 0)),
  };
}

/** A day's tokens over every model and purpose, and their estimated cost: what the Activity page draws per day. */
export function dayUsage(day: string, rows: readonly DayUsageRow[], config: Pricing): Usage & { estimatedCostUsd: number } {
  const report = usageReport(day, rows, config);
  const sum = (key: keyof Usage) => report.models.reduce((n, m) => n + m[key], 0);
  return {
    inputTokens: sum('inputTokens'),
    outputTokens: sum('outputTokens'),
    cacheCreationTokens: sum('cacheCreationTokens'),
    cacheReadTokens: sum('cacheReadTokens'),
    estimatedCostUsd: report.estimatedCostUsd,
  };
}

/** Calls and tokens summed per key, keys in sorted order. */
function sumBy(rows: readonly DayUsageRow[], key: (row: DayUsageRow) => string): [string, Usage & { calls: number }][] {
  const sums = new Map<string, Usage & { calls: number }>();
  for (const row of rows) {
    const sum = sums.get(key(row)) ?? { ...ZERO_USAGE, calls: 0 };
    const tokens = addUsage(sum, row);
    sums.set(key(row), { ...tokens, calls: sum.calls + row.calls });
  }
  return [...sums.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The estimate over rows whose model has a price; null when none has. */
function costOf(rows: readonly (Usage & { model: string })[], config: Pricing): number | null {
  let total: number | null = null;
  for (const row of rows) {
    const price = priceFor(row.model, config.prices);
    if (price) total = (total ?? 0) + estimateCostUsd(row, price, config.cacheTtl);
  }
  return total === null ? null : roundCents(total);
}

/** Four decimals: a day of cached ticks costs fractions of a cent. */
function roundCents(usd: number): number {
  return Math.round(usd * 10_000) / 10_000;
}

import { localDate } from '../clock.js';
import type { LogStatRow } from '../store/index.js';
import { METRICS } from './log-stats.js';
import type { DayUsage, WebDeps } from './types.js';

export const TREND_DAYS = 30;

export interface ChartsData {
  day: string;
  /** Events received and actions finished (succeeded or failed) in each local hour, 0–23. */
  hours: number[];
  events: number[];
  actions: number[];
  /** The day's decisions by outcome. */
  outcomes: { acted: number; quiet: number; skipped: number; coalesced: number };
  /** The last 30 days, oldest first: model tokens, estimated cost and the share of input read from the cache. */
  days: string[];
  tokens: { input: number[]; output: number[]; cacheRead: number[]; cacheWrite: number[] };
  costUsd: number[];
  cacheShare: number[];
}

/** The last `n` local dates up to `today`, oldest first (noon steps: a DST change cannot skip a day). */
export function lastDays(now: number, n: number): string[] {
  const d = new Date(now);
  return Array.from({ length: n }, (_, i) => localDate(new Date(d.getFullYear(), d.getMonth(), d.getDate() - (n - 1 - i), 12).getTime()));
}

/** What the pictures draw, from the kept counts and the usage ledger: a few hundred rows, no log file read. */
export function chartsData(deps: Pick<WebDeps, 'store' | 'clock' | 'usageOfDay'>, day: string): ChartsData {
  const days = lastDays(deps.clock.now(), TREND_DAYS);
  return chartsOf(day, deps.store.logStats.day(day), days, days.map((d) => deps.usageOfDay(d)));
}

/**
 * The pictures of `day` from its counts per hour and metric (log-stats.ts: the single
 * daemon's kept counts, or a team's counted from its chains), and the trend `days`' usage.
 */
export function chartsOf(day: string, counts: readonly LogStatRow[], days: string[], usage: DayUsage[]): ChartsData {
  const hours = Array.from({ length: 24 }, (_, h) => h);
  const events = hours.map(() => 0);
  const actions = hours.map(() => 0);
  const outcomes = { acted: 0, quiet: 0, skipped: 0, coalesced: 0 };
  for (const row of counts) {
    if (row.day !== day) continue;
    if (row.metric === METRICS.events) events[row.hour]! += row.value;
    else if (row.metric === METRICS.actionsOk || row.metric === METRICS.actionsFailed) actions[row.hour]! += row.value;
    else if (row.metric === METRICS.acted) outcomes.acted += row.value;
    else if (row.metric === METRICS.quiet) outcomes.quiet += row.value;
    else if (row.metric === METRICS.skipped) outcomes.skipped += row.value;
    else if (row.metric === METRICS.coalesced) outcomes.coalesced += row.value;
  }
  return {
    day,
    hours,
    events,
    actions,
    outcomes,
    days,
    tokens: {
      input: usage.map((u) => u.inputTokens),
      output: usage.map((u) => u.outputTokens),
      cacheRead: usage.map((u) => u.cacheReadTokens),
      cacheWrite: usage.map((u) => u.cacheCreationTokens),
    },
    costUsd: usage.map((u) => u.estimatedCostUsd),
    cacheShare: usage.map((u) => {
      const input = u.inputTokens + u.cacheReadTokens + u.cacheCreationTokens;
      return input > 0 ? Math.round((u.cacheReadTokens / input) * 1000) / 1000 : 0;
    }),
  };
}

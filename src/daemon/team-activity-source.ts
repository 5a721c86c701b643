import type { Clock } from '../clock.js';
import type { ModelConfig } from '../config/index.js';
import { dayUsage } from '../model/index.js';
import type { PgStore } from '../store/index.js';
import type { ChartsData, TeamViews } from '../web/index.js';

/**
 * The Activity page's pictures on a node (issue 19): a day's counts made from every chain's
 * records of the types counted (the single daemon keeps them in a table as its log grows;
 * a team's chains are in the database, which counts a day in one indexed read), and the
 * trend's usage from the team's ledger, priced by this node's config.
 */
export function teamCharts(views: TeamViews, store: PgStore, clock: Clock, pricing: () => Pick<ModelConfig, 'prices' | 'cacheTtl'>): (day: string) => Promise<ChartsData> {
  const { chartsOf, COUNTED_TYPES, countEntries, lastDays, TREND_DAYS } = views;
  return async (day) => {
    const days = lastDays(clock.now(), TREND_DAYS);
    const [entries, usage] = await Promise.all([store.dayEntriesOfTypes(day, COUNTED_TYPES), store.usageByDay(days)]);
    return chartsOf(day, countEntries(entries), days, days.map((d) => dayUsage(d, usage.get(d) ?? [], pricing())));
  };
}

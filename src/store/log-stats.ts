import type { Db } from './db.js';

/** One count: `metric` seen `value` times in the local `hour` (0–23) of `day` (YYYY-MM-DD). */
export interface LogStatRow {
  day: string;
  hour: number;
  metric: string;
  value: number;
}

/**
 * The dashboard's counts (table `log_stats`). What is counted is the web room's business
 * (src/web/log-stats.ts); this keeps and sums them.
 */
export class LogStatsTable {
  constructor(private readonly db: Db) {}

  /** Call inside the transaction that moves the watermark of what was counted. */
  add(rows: readonly LogStatRow[]): void {
    if (rows.length === 0) return;
    const upsert = this.db.prepare(
      'INSERT INTO log_stats (day, hour, metric, value) VALUES (?, ?, ?, ?) ON CONFLICT(day, hour, metric) DO UPDATE SET value = value + excluded.value',
    );
    for (const r of rows) upsert.run(r.day, r.hour, r.metric, r.value);
  }

  /** One day's counts, hour by hour. */
  day(day: string): LogStatRow[] {
    return this.db.prepare('SELECT day, hour, metric, value FROM log_stats WHERE day = ? ORDER BY hour, metric').all(day) as LogStatRow[];
  }
}

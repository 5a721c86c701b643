import { localDate } from '../clock.js';
import { listLogDates, logFilePath, readLogEntriesFrom, type LogEntry } from '../logs/index.js';
import type { LogStatRow, Store } from '../store/index.js';

/**
 * The counts behind the dashboard's pictures (issue 17), kept in the store's `log_stats`
 * table from the daily logs behind a watermark (`dashboard.stats.log`): each catch-up
 * reads only what was appended since the last, a window at a time, yielding between
 * windows, so a page never parses whole log files and a home with months of logs is
 * counted once without blocking the daemon's event loop. The logs are the source, so
 * what the worker, the dream or a CLI appended is counted like the daemon's own.
 */

const MARK = 'dashboard.stats.log';
/** One window of log read and counted in one go: well under the 50 ms an event-loop turn may take. */
const WINDOW_BYTES = 256 * 1024;

export const METRICS = {
  events: 'events',
  actionsOk: 'actions.succeeded',
  actionsFailed: 'actions.failed',
  acted: 'decisions.acted',
  quiet: 'decisions.quiet',
  skipped: 'decisions.skipped',
  coalesced: 'decisions.coalesced',
} as const;

const SET_ASIDE = new Set(['event.own', 'event.skipped', 'event.filtered']);

/** The record types the counts are made of (a team's chains are read for these only). */
export const COUNTED_TYPES: readonly string[] = ['event.received', 'action.succeeded', 'action.failed', 'decision.made', ...SET_ASIDE];

/** What one record adds to the counts (none for most). */
function metricsOf(entry: LogEntry): [string, number][] {
  const f = entry as Record<string, unknown>;
  switch (entry.type) {
    case 'event.received':
      return [[METRICS.events, 1]];
    case 'action.succeeded':
      return [[METRICS.actionsOk, 1]];
    case 'action.failed':
      return [[METRICS.actionsFailed, 1]];
    case 'decision.made': {
      const together = Array.isArray(f.coalesced) ? f.coalesced.filter((id) => id !== f.eventId).length : 0;
      const counts: [string, number][] = [[f.act === true ? METRICS.acted : METRICS.quiet, 1]];
      if (together > 0) counts.push([METRICS.coalesced, together]);
      return counts;
    }
    default:
      return SET_ASIDE.has(entry.type) ? [[METRICS.skipped, 1]] : [];
  }
}

/** Records summed per local day, hour and metric. */
export function countEntries(entries: readonly LogEntry[]): LogStatRow[] {
  const sums = new Map<string, LogStatRow>();
  for (const entry of entries) {
    const at = Date.parse(entry.ts);
    if (Number.isNaN(at)) continue;
    const day = localDate(at);
    const hour = new Date(at).getHours();
    for (const [metric, value] of metricsOf(entry)) {
      const key = `${day} ${hour} ${metric}`;
      const row = sums.get(key);
      if (row) row.value += value;
      else sums.set(key, { day, hour, metric, value });
    }
  }
  return [...sums.values()];
}

export class LogStats {
  private running: Promise<number> | undefined;

  constructor(
    private readonly store: Store,
    private readonly logsDir: string,
  ) {}

  /** Counts what was appended since the last catch-up; callers at the same time share one. */
  catchUp(): Promise<number> {
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(): Promise<number> {
    let counted = 0;
    for (;;) {
      const step = this.step();
      if (step === undefined) return counted;
      counted += step;
      // Let requests and timers in between windows.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** One window: counted and the watermark moved in one transaction; undefined when nothing is new. */
  step(): number | undefined {
    const { kv, logStats } = this.store;
    const mark = kv.get(MARK) ?? { date: '', offset: 0 };
    const next = this.nextWindow(mark);
    if (!next) return undefined;
    const rows = countEntries(next.entries);
    this.store.transaction(() => {
      // Another handle moved the mark meanwhile: its window is counted, not this one.
      const now = kv.get(MARK) ?? { date: '', offset: 0 };
      if (now.date !== mark.date || now.offset !== mark.offset) return;
      logStats.add(rows);
      kv.set(MARK, { date: next.date, offset: next.end });
    });
    return next.entries.length;
  }

  private nextWindow(mark: { date: string; offset: number }): { date: string; entries: LogEntry[]; end: number } | undefined {
    for (const date of listLogDates(this.logsDir)) {
      if (date < mark.date) continue;
      const offset = date === mark.date ? mark.offset : 0;
      const { entries, end } = readLogEntriesFrom(logFilePath(this.logsDir, date), offset, WINDOW_BYTES);
      if (end > offset) return { date, entries, end };
    }
    return undefined;
  }
}

const perStore = new WeakMap<Store, LogStats>();

/** The one follower of a store's logs (the page and the API share its catch-up). */
export function logStatsOf(deps: { store: Store; logsDir: string }): LogStats {
  return perStore.get(deps.store) ?? perStore.set(deps.store, new LogStats(deps.store, deps.logsDir)).get(deps.store)!;
}

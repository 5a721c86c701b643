import { localDate } from '../clock.js';
import { listLogDates, logFilePath, readLastEntries, type LogEntry } from '../logs/index.js';
import { OWNER_INSTRUCTION, OWNER_SOURCE } from '../initiative/index.js';
import { buildThreads, THREAD_STATES, type Thread, type ThreadContext, type ThreadState } from './threads.js';
import type { WebDeps } from './types.js';

/**
 * What one timeline load reads of a day's log: its newest records, from at most the last
 * few megabytes (the cost follows what is shown, not the day's size); a record longer
 * than a line cap is left to `vigil log`.
 */
export const DAY_TAIL = { count: 600, maxBytes: 4 * 1024 * 1024, maxLineBytes: 256 * 1024 };
/** Threads one page shows, newest first: a busy day's page stays small and quick to draw. */
const MAX_THREADS = 100;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export interface TimelineFilters {
  repo?: string;
  kind?: string;
  outcome?: ThreadState;
}

export interface DayTimeline {
  day: string;
  today: string;
  /** The oldest day with a log, for the date picker's lower bound. */
  firstDay: string;
  /** Every thread of the day before the filters (for the filters' choices)… */
  repos: string[];
  kinds: string[];
  /** …and those the filters keep, newest first. */
  threads: Thread[];
  /** The day had more records than one load reads, or more threads than a page shows: its oldest are left out. */
  truncated: boolean;
}

/** The day asked for when it is a date, else today (local time). */
export function dayOf(value: unknown, now: number): string {
  return typeof value === 'string' && DAY.test(value) && !Number.isNaN(Date.parse(value)) ? value : localDate(now);
}

/** Only values the page could have offered: anything else is no filter. */
export function filtersOf(query: Record<string, unknown>): TimelineFilters {
  const text = (v: unknown) => (typeof v === 'string' && v.length > 0 && v.length <= 200 ? v : undefined);
  const outcome = text(query.outcome);
  const repo = text(query.repo);
  const kind = text(query.kind);
  return {
    ...(repo ? { repo } : {}),
    ...(kind ? { kind } : {}),
    ...(outcome && (THREAD_STATES as readonly string[]).includes(outcome) ? { outcome: outcome as ThreadState } : {}),
  };
}

/** The words of an owner.instruction event (`{ text, via }`, src/operations/ask.ts), while the inbox keeps it. */
function instructionOf(store: WebDeps['store'], eventId: number): { text: string; via: string } | undefined {
  const event = store.inbox.get(eventId);
  if (!event || event.source !== OWNER_SOURCE || event.kind !== OWNER_INSTRUCTION) return undefined;
  try {
    const payload = JSON.parse(event.payload) as { text?: unknown; via?: unknown };
    return typeof payload.text === 'string' ? { text: payload.text, via: String(payload.via ?? 'cli') } : undefined;
  } catch {
    return undefined;
  }
}

export function dayTimeline(deps: Pick<WebDeps, 'logsDir' | 'clock' | 'store' | 'githubWebUrl'>, day: string, filters: TimelineFilters): DayTimeline {
  const now = deps.clock.now();
  const entries = readLastEntries(logFilePath(deps.logsDir, day), DAY_TAIL);
  const context: ThreadContext = {
    eventOfAction: (id) => deps.store.actions.get(id)?.eventId ?? undefined,
    subjectsOf: (ids) => deps.store.decisions.subjectsOfEvents(ids),
    instructionOf: (id) => instructionOf(deps.store, id),
    githubWebUrl: deps.githubWebUrl,
    now,
  };
  return timelineOf(entries, context, { day, filters, firstDay: listLogDates(deps.logsDir)[0] ?? localDate(now) });
}

/**
 * A day's threads from its newest records (at most DAY_TAIL.count, in log order): the
 * filters' choices, the threads they keep. The single daemon's records come from the
 * day's file, a team node's from every chain of the day (team-timeline.ts).
 */
export function timelineOf(entries: LogEntry[], context: ThreadContext, at: { day: string; filters: TimelineFilters; firstDay: string }): DayTimeline {
  const { day, filters } = at;
  const all = buildThreads(entries, context);
  const today = localDate(context.now);
  const kept = all.filter(
    (t) => (!filters.repo || t.repo === filters.repo) && (!filters.kind || t.family === filters.kind) && (!filters.outcome || t.state === filters.outcome),
  );
  return {
    day,
    today,
    firstDay: at.firstDay,
    repos: [...new Set(all.flatMap((t) => (t.repo ? [t.repo] : [])))].sort(),
    kinds: [...new Set(all.map((t) => t.family))].sort(),
    threads: kept.slice(0, MAX_THREADS),
    truncated: entries.length >= DAY_TAIL.count || kept.length > MAX_THREADS,
  };
}

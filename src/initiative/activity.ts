import { listLogDates, logFilePath, readLastEntries, type LogEntry } from '../logs/index.js';
import { subjectKey, subjectOfParams } from './subject.js';
import { displaySubject, resultLink } from './thread.js';

/**
 * What vigil did lately, one short line each, for the prompt's dynamic part: enough
 * for the model not to repeat itself (the same comment twice, a label already asked
 * for), and short, because every call pays for it uncached.
 */
const DEFAULT_LIMIT = 8;
/** How far back one file is read: its newest entries of any type, from its last 64 KB. */
const TAIL = { count: 400, maxBytes: 64 * 1024, maxLineBytes: 64 * 1024 };
const MAX_TEXT = 120;

/** `about` is " on octo/app#7" when the entry's decision or action has a subject, else empty. */
type Line = (e: LogEntry, about: string) => string;

const LINES: Record<string, Line> = {
  'decision.made': (e, about) => {
    const proposals = (e.proposals as { action: string }[] | undefined) ?? [];
    const proposed = e.act && proposals.length ? ` → ${proposals.map((p) => p.action).join(', ')}` : '';
    return `decided ${String(e.kind)}${about}: ${clip(e.summary)}${proposed}`;
  },
  'action.denied': (e, about) => `${String(e.action)}${about} denied (${clip(e.reason)})`,
  'action.succeeded': (e, about) => {
    const link = resultLink(e.result);
    return `${String(e.action)}${about} done${link ? ` ${link}` : ''}`;
  },
  'action.failed': (e, about) => `${String(e.action)}${about} failed (${clip(e.error)})`,
  'approval.requested': (e, about) => `${String(e.action)}${about} awaits the owner (approval ${String(e.actionId)})`,
  'approval.granted': (e, about) => `${String(e.action)}${about} approved by the owner`,
  'approval.denied': (e, about) => `${String(e.action)}${about} denied by the owner`,
  'approval.expired': (e, about) => `${String(e.action)}${about} expired unanswered`,
  'reminder.due': (e) => `reminder due: ${clip(e.note)}`,
};

/**
 * Where the subjects of logged decisions and actions are kept (the store): the log's
 * records carry ids, the store knows what each was about (migration 014).
 */
export interface ActivitySubjects {
  ofEvents(eventIds: readonly number[]): Map<number, string>;
  ofActions(actionIds: readonly string[]): Map<string, string>;
}

/**
 * The last `limit` activity lines of the newest daily logs, oldest first, each naming
 * its issue, pull request or commit when `subjects` knows it. Reads only each file's tail.
 */
export function recentActivity(logsDir: string, subjects?: ActivitySubjects, limit = DEFAULT_LIMIT): string[] {
  const entries: LogEntry[] = [];
  for (const date of listLogDates(logsDir).reverse().slice(0, 2)) {
    const found = readLastEntries(logFilePath(logsDir, date), TAIL).filter((e) => e.type in LINES);
    entries.unshift(...found.slice(-(limit - entries.length)));
    if (entries.length >= limit) break;
  }
  const ids = idsOf(entries);
  return activityLines(entries, subjects ? { ofEvents: subjects.ofEvents(ids.eventIds), ofActions: subjects.ofActions(ids.actionIds) } : undefined);
}

/** The log entry types that make activity lines: a store that keeps the log (a team's) reads only these. */
export const ACTIVITY_TYPES: readonly string[] = Object.keys(LINES);

/**
 * The same lines from a log kept in a store (a team's PostgreSQL, every node's entries):
 * `newest(types, limit)` gives the newest entries of those types, oldest first.
 */
export async function recentActivityOf(
  newest: (types: readonly string[], limit: number) => Promise<LogEntry[]>,
  subjects: AsyncActivitySubjects,
  limit = DEFAULT_LIMIT,
): Promise<string[]> {
  const entries = await newest(ACTIVITY_TYPES, limit);
  const ids = idsOf(entries);
  const [ofEvents, ofActions] = await Promise.all([subjects.ofEvents(ids.eventIds), subjects.ofActions(ids.actionIds)]);
  return activityLines(entries, { ofEvents, ofActions });
}

/** ActivitySubjects of a store that answers asynchronously. */
export interface AsyncActivitySubjects {
  ofEvents(eventIds: readonly number[]): Promise<Map<number, string>>;
  ofActions(actionIds: readonly string[]): Promise<Map<string, string>>;
}

function activityLines(entries: readonly LogEntry[], subjects: { ofEvents: Map<number, string>; ofActions: Map<string, string> } | undefined): string[] {
  const about = subjectsOf(subjects);
  return entries.map((e) => `${clock(e.ts)} ${LINES[e.type]!(e, about(e))}`);
}

/** The ids whose subjects the lines name: looked up once per kind for all the lines. */
function idsOf(entries: readonly LogEntry[]): { eventIds: number[]; actionIds: string[] } {
  return {
    eventIds: entries.filter((e) => e.type === 'decision.made' && typeof e.eventId === 'number').map((e) => e.eventId as number),
    actionIds: entries.filter((e) => typeof e.actionId === 'string').map((e) => e.actionId as string),
  };
}

/** An approval request also names its subject in its params. */
function subjectsOf(subjects: { ofEvents: Map<number, string>; ofActions: Map<string, string> } | undefined): (e: LogEntry) => string {
  if (!subjects) return () => '';
  const { ofEvents, ofActions } = subjects;
  return (e) => {
    const fromParams = subjectOfParams(e.params);
    const key =
      e.type === 'decision.made'
        ? ofEvents.get(e.eventId as number)
        : (ofActions.get(e.actionId as string) ?? (fromParams ? subjectKey(fromParams) : undefined));
    return key ? ` on ${displaySubject(key)}` : '';
  };
}

function clip(value: unknown): string {
  const text = String(value ?? '').replace(/\s+/g, ' ').trim();
  return text.length <= MAX_TEXT ? text : `${text.slice(0, MAX_TEXT - 1)}…`;
}

/** HH:MM local, as `vigil log` shows it. */
function clock(ts: string): string {
  const d = new Date(ts);
  const pad = (n: number) => String(n).padStart(2, '0');
  return Number.isNaN(d.getTime()) ? '??:??' : `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/**
 * A team node's timeline (issue 19): the single daemon's threads (timeline.ts, threads.ts)
 * over every node's chain of the day in PostgreSQL. What building the threads asks of the
 * store as it goes — each action's event, each event's subject, an instruction's words —
 * is read before, in three queries over the ids the records name, since the team's store
 * answers asynchronously and a thread is built in one pass.
 */
import { localDate, type Clock } from '../clock.js';
import { OWNER_INSTRUCTION } from '../initiative/index.js';
import type { LogEntry } from '../logs/index.js';
import { DAY_TAIL, timelineOf, type DayTimeline, type TimelineFilters } from './timeline.js';

/** What the team's timeline reads: every chain of the day, and the rows its records name. */
export interface TeamTimelineSource {
  clock: Clock;
  githubWebUrl: string;
  /** The newest `limit` records of a local day across every chain, merged by time. */
  dayTail(day: string, limit: number): Promise<Array<LogEntry & { node: string }>>;
  /** The oldest day any chain has. */
  firstLogDay(): Promise<string | undefined>;
  /** The event each action came from. */
  eventsOfActions(ids: readonly string[]): Promise<Map<string, number>>;
  /** The subject (`owner/repo#12`) decided for each event. */
  subjectsOf(ids: readonly number[]): Promise<Map<number, string>>;
  /** The owner's words of these `owner.instruction` events, while the inbox keeps them. */
  instructions(ids: readonly number[]): Promise<Map<number, { text: string; via: string }>>;
}

export async function teamDayTimeline(source: TeamTimelineSource, day: string, filters: TimelineFilters): Promise<DayTimeline> {
  const now = source.clock.now();
  const [entries, firstDay] = await Promise.all([source.dayTail(day, DAY_TAIL.count), source.firstLogDay()]);
  const actionIds = new Set<string>();
  const eventIds = new Set<number>();
  const instructionIds = new Set<number>();
  for (const entry of entries) {
    const f = entry as Record<string, unknown>;
    if (typeof f.actionId === 'string') actionIds.add(f.actionId);
    if (typeof f.eventId === 'number') {
      eventIds.add(f.eventId);
      if (entry.type === OWNER_INSTRUCTION || f.kind === OWNER_INSTRUCTION) instructionIds.add(f.eventId);
    }
    for (const other of Array.isArray(f.coalesced) ? (f.coalesced as unknown[]) : []) if (typeof other === 'number') eventIds.add(other);
  }
  const eventOf = await source.eventsOfActions([...actionIds]);
  for (const id of eventOf.values()) eventIds.add(id);
  const [subjects, instructions] = await Promise.all([source.subjectsOf([...eventIds]), source.instructions([...instructionIds])]);
  return timelineOf(
    entries,
    {
      eventOfAction: (id) => eventOf.get(id),
      subjectsOf: (ids) => new Map(ids.flatMap((id) => (subjects.has(id) ? [[id, subjects.get(id)!] as const] : []))),
      instructionOf: (id) => instructions.get(id),
      githubWebUrl: source.githubWebUrl,
      now,
    },
    { day, filters, firstDay: firstDay ?? localDate(now) },
  );
}

import path from 'node:path';
import { listLogDates, logFilePath, readLogEntriesFrom, type LogEntry } from '../logs/index.js';
import type { MemoryFs } from '../memory/index.js';
import { claimNotes, parseNotes, type Claim } from './notes.js';
import type { LogMark } from './state.js';
import type { SeenEvent } from './repo-facts.js';
import type { Observation } from './working-memory.js';

export interface Gathered {
  entriesRead: number;
  notes: Observation[];
  /** What happened besides notes, for a model to read (the rules pass does not). */
  activity: Observation[];
  /**
   * The GitHub events received and not filtered (github.repos, github.events), newest
   * last, at most MAX_EVENTS: the repositories' facts are learned from their payloads.
   */
  events: SeenEvent[];
  /** The log position after the last complete entry read. */
  mark: LogMark | null;
  claims: Claim[];
}

export interface GatherOptions {
  logsDir: string;
  memoryDir: string;
  fsx: MemoryFs;
  since: LogMark | null;
  now: number;
  today: string;
  repoNames: readonly string[];
}

const WINDOW_BYTES = 1024 * 1024;
const MAX_ACTIVITY = 200;
/** The newest events whose payloads a dream reads: a month away stays a bounded dream. */
const MAX_EVENTS = 5000;

/**
 * Reads every log entry after the mark, window by window; the callback sees each once.
 * `enough` is asked after each window: when it says so, reading stops there, and the
 * mark returned is where the next read goes on.
 */
export async function readLogsSince(
  logsDir: string,
  since: LogMark | null,
  onEntry: (entry: LogEntry, date: string) => void,
  enough: () => boolean = () => false,
): Promise<{ read: number; mark: LogMark | null }> {
  let mark = since;
  let read = 0;
  for (const date of listLogDates(logsDir)) {
    if (since && date < since.date) continue;
    let offset = since && date === since.date ? since.offset : 0;
    for (;;) {
      const { entries, end } = readLogEntriesFrom(logFilePath(logsDir, date), offset, WINDOW_BYTES);
      if (end === offset) break;
      for (const entry of entries) onEntry(entry, date);
      read += entries.length;
      offset = end;
      mark = { date, offset };
      if (enough()) return { read, mark };
      // Between windows: a dream in the daemon's process must let intake run.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return { read, mark };
}

/**
 * The gather phase: the log entries after the last dream's watermark (incremental),
 * and the claimed notes files. A note is sourced to the log entry of the
 * `memory.note` action that wrote it when the gathered log has it, else to its line.
 */
export async function gather(options: GatherOptions): Promise<Gathered> {
  const noteEntries = new Map<string, { ref: string; date: string }>();
  const activity = new ActivityDigest(options.repoNames);
  const events: SeenEvent[] = [];
  const filtered = new Set<number>();
  const { read, mark } = await readLogsSince(options.logsDir, options.since, (entry, date) => {
    const ref = `log ${date}#${entry.seq}`;
    if (entry.type === 'event.received' && typeof entry.eventId === 'number' && typeof entry.kind === 'string' && entry.kind.startsWith('github.')) {
      events.push({ eventId: entry.eventId, kind: entry.kind, ref, date });
    }
    if (entry.type === 'event.filtered' && typeof entry.eventId === 'number') filtered.add(entry.eventId);
    if (entry.type === 'action.succeeded' && entry.action === 'memory.note' && typeof entry.actionId === 'string') {
      noteEntries.set(entry.actionId, { ref, date });
    }
    activity.add(entry, date, ref);
  });
  const claims = claimNotes(options.fsx, options.memoryDir, options.now);
  const notes: Observation[] = [];
  for (const claim of claims) {
    const text = options.fsx.read(claim.file)?.toString('utf8') ?? '';
    for (const note of parseNotes(text, claim.file)) {
      const logged = note.actionId ? noteEntries.get(note.actionId) : undefined;
      const action = note.actionId ? `, action ${note.actionId}` : '';
      notes.push({
        kind: 'note',
        text: note.text,
        topic: note.topic ?? topicFromText(note.text, options.repoNames),
        date: note.date ?? logged?.date ?? options.today,
        source: logged?.ref ?? `memory/${claim.origin} line ${note.line}${action} (${path.basename(claim.file)})`,
      });
    }
  }
  const learnFrom = events.filter((e) => !filtered.has(e.eventId)).slice(-MAX_EVENTS);
  return { entriesRead: read, notes, activity: activity.observations(), events: learnFrom, mark, claims };
}

/** A watched repository the text names, else "general". */
export function topicFromText(text: string, repoNames: readonly string[]): string {
  const lower = text.toLowerCase();
  return repoNames.find((name) => lower.includes(name.toLowerCase())) ?? 'general';
}

/**
 * Activity in a few lines: each decision that acted (its summary, once), and how
 * many events of each kind arrived. Bounded, so a busy month stays a short prompt.
 */
class ActivityDigest {
  private readonly decisions = new Map<string, Observation>();
  private readonly kinds = new Map<string, { count: number; first: string; date: string }>();

  constructor(private readonly repoNames: readonly string[]) {}

  add(entry: LogEntry, date: string, ref: string): void {
    if (entry.type === 'decision.made' && entry.act === true && typeof entry.summary === 'string' && entry.summary.trim()) {
      const summary = entry.summary.trim().slice(0, 300);
      this.decisions.delete(summary);
      this.decisions.set(summary, { kind: 'activity', text: summary, topic: topicFromText(summary, this.repoNames), date, source: ref });
    } else if (entry.type === 'event.received' && typeof entry.kind === 'string' && entry.kind !== 'tick') {
      const seen = this.kinds.get(entry.kind) ?? { count: 0, first: ref, date };
      seen.count++;
      seen.date = date;
      this.kinds.set(entry.kind, seen);
    }
  }

  observations(): Observation[] {
    const counts = [...this.kinds].map(([kind, s]): Observation => ({
      kind: 'activity',
      text: `${s.count} × ${kind} received`,
      topic: 'general',
      date: s.date,
      source: s.first,
    }));
    return [...counts, ...[...this.decisions.values()].slice(-MAX_ACTIVITY)];
  }
}

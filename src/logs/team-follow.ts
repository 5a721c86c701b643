/**
 * `vigil log --follow` on a team's home, and a node's live timeline (issue 19): every
 * node's chain in the database, polled. First today's chains from their start, merged by time, as the home's follow
 * prints today's file; then whatever any chain gains, each entry once, in its chain's
 * order. A node's day is its own local day, so the chains of the days either side of
 * this machine's are followed too (from where they stood at the start), and at
 * midnight the new day's chains are printed from their first entry.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { localDate, type Clock } from '../clock.js';
import type { LogEntry } from './types.js';

const DEFAULT_POLL_MS = 500;
const DAY_MS = 86_400_000;

export interface TeamFollowOptions {
  clock: Clock;
  signal: AbortSignal;
  onEntry: (entry: LogEntry & { node: string }) => void;
  pollMs?: number;
  /** Only what is appended from now on: no entry already in the chains. */
  fromEnd?: boolean;
}

type Cursor = { node: string; day: string; seq: number };

/** What a follower reads of the team's chains (src/store: the CLI's short-lived pool, or a node's store). */
export interface TeamChainsReader {
  /** The last seq of every chain of these days. */
  heads(days: readonly string[]): Promise<Cursor[]>;
  /** These days' chains past their cursors (a chain without one from its first entry), merged by time. */
  after(days: readonly string[], cursors: readonly Cursor[]): Promise<Array<{ node: string; day: string; entry: LogEntry }>>;
}

/** Resolves when `signal` aborts; rejects when the database fails or `onEntry` throws. */
export async function followTeamLog(reader: TeamChainsReader, opts: TeamFollowOptions): Promise<void> {
  const cursors = new Map<string, Cursor>();
  const keyOf = (node: string, day: string) => `${node}\u0000${day}`;
  const window = () => {
    const now = opts.clock.now();
    return [localDate(now - DAY_MS), localDate(now), localDate(now + DAY_MS)];
  };
  const take = (read: Array<{ node: string; day: string; entry: LogEntry }>) => {
    for (const { node, day, entry } of read) {
      opts.onEntry({ ...entry, node });
      cursors.set(keyOf(node, day), { node, day, seq: entry.seq });
    }
  };
  const today = localDate(opts.clock.now());
  // The neighbouring days' chains from where they stand; today's from their first entry,
  // or, `fromEnd`, from where they stand too (a page that already shows the day).
  const startAtHead = (day: string) => day !== today || opts.fromEnd === true;
  for (const head of await reader.heads(window().filter(startAtHead))) cursors.set(keyOf(head.node, head.day), head);
  if (!opts.fromEnd) take(await reader.after([today], []));
  while (!opts.signal.aborted) {
    // Aborted: the wait ends at once, and the loop with it.
    await sleep(opts.pollMs ?? DEFAULT_POLL_MS, undefined, { signal: opts.signal }).catch(() => undefined);
    if (opts.signal.aborted) break;
    const days = window();
    take(await reader.after(days, [...cursors.values()].filter((c) => days.includes(c.day))));
    // Chains that left the window are not asked for again.
    for (const [key, cursor] of cursors) if (!days.includes(cursor.day)) cursors.delete(key);
  }
}


import type { Config } from '../config/index.js';
import type { LogEntry } from '../logs/index.js';
import type { Store } from '../store/index.js';
import { readLogsSince } from './gather.js';
import { markText, type DreamState, type LogMark } from './state.js';

/** Fewer new entries than this are not worth a dream. */
export const MIN_NEW_ENTRIES = 20;
/** After a failed dream, the next try waits this long (a forced one does not). */
export const RETRY_AFTER_FAILURE_MS = 3_600_000;

/** Entries that say nothing about the owner's world: they neither count as news nor as activity. */
export const HOUSEKEEPING = /^(tick\.skipped|dream\.|daemon\.|worker\.|config\.|log\.torn|github\.sweep)/;

export function isNews(entry: Pick<LogEntry, 'type'>): boolean {
  return !HOUSEKEEPING.test(entry.type);
}

export interface DueInput {
  now: number;
  state: DreamState;
  /** The owner's last sign of life: an event that is not a tick, or an approval answered. */
  lastActivityAt: number | null;
  newEntries: number;
  config: Readonly<Config['dream']>;
}

/**
 * Issue 5's gate: idle for `idleMinutes` (nothing but ticks), `minHours` since the
 * last dream, not within an hour of a failed one, and enough new log entries.
 */
export function dreamDue(input: DueInput): { due: boolean; reason: string } {
  const { now, state, config } = input;
  const minutes = (ms: number) => Math.floor(ms / 60_000);
  if (state.lastDreamAt !== null && now - state.lastDreamAt < config.minHours * 3_600_000) {
    return { due: false, reason: `the last dream was ${minutes(now - state.lastDreamAt)} min ago (dream.minHours: ${config.minHours})` };
  }
  if (state.lastFailedAt !== null && now - state.lastFailedAt < RETRY_AFTER_FAILURE_MS) {
    return { due: false, reason: `the last dream failed ${minutes(now - state.lastFailedAt)} min ago` };
  }
  if (input.lastActivityAt !== null && now - input.lastActivityAt < config.idleMinutes * 60_000) {
    return { due: false, reason: `the owner was active ${minutes(now - input.lastActivityAt)} min ago (dream.idleMinutes: ${config.idleMinutes})` };
  }
  if (input.newEntries < MIN_NEW_ENTRIES) {
    return { due: false, reason: `${input.newEntries} new log entries since the last dream (at least ${MIN_NEW_ENTRIES})` };
  }
  return { due: true, reason: `idle, at least ${input.newEntries} new log entries` };
}

/**
 * The earliest moment the gate's clocks let a dream begin — \`dream.minHours\` after the last
 * dream, an hour after a failed one, \`dream.idleMinutes\` after the owner's last sign of
 * life — if the owner stays idle; never before \`now\`. The news count is not a clock: a
 * dream then still waits for MIN_NEW_ENTRIES.
 */
export function dreamClocksClear(input: DueInput): number {
  const { state, config } = input;
  const after = [
    input.now,
    state.lastDreamAt === null ? input.now : state.lastDreamAt + config.minHours * 3_600_000,
    state.lastFailedAt === null ? input.now : state.lastFailedAt + RETRY_AFTER_FAILURE_MS,
    input.lastActivityAt === null ? input.now : input.lastActivityAt + config.idleMinutes * 60_000,
  ];
  return Math.max(...after);
}

/** When the owner last did something: a non-tick event arrived, or they answered an approval. */
export function lastOwnerActivity(store: Store): number | null {
  const times = [store.inbox.lastNonTickReceivedAt(), store.actions.lastAnsweredAt()].filter((t): t is number => typeof t === 'number');
  return times.length ? Math.max(...times) : null;
}

/**
 * Counts news entries after the watermark, reading each log byte once across calls, and
 * only until there are enough for a dream: the gate asks "at least MIN_NEW_ENTRIES?",
 * and after a year without a dream the whole answer would mean reading (and parsing)
 * hundreds of megabytes in the daemon — measured: its idle RSS went 109 → 245 MB.
 */
export class NewEntryCounter {
  private since: string | null | undefined;
  private mark: LogMark | null = null;
  private count = 0;

  /** News entries after `watermark`, counted up to the window in which `MIN_NEW_ENTRIES` is reached. */
  async countSince(logsDir: string, watermark: LogMark | null): Promise<number> {
    const key = markText(watermark);
    if (key !== this.since) {
      this.since = key;
      this.mark = watermark;
      this.count = 0;
    }
    const enough = () => this.count >= MIN_NEW_ENTRIES;
    if (enough()) return this.count;
    const { mark } = await readLogsSince(
      logsDir,
      this.mark,
      (entry) => {
        if (isNews(entry)) this.count++;
      },
      enough,
    );
    this.mark = mark;
    return this.count;
  }
}

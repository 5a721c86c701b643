import { Cron, type CronOptions } from 'croner';
import { foreignZone } from './time-zone.js';

/**
 * vigil's cron dialect, one place for the config check, the tick scheduler and a team
 * node's slot matcher. croner (no dependencies) reads the local clock with `Date`'s own
 * methods and only reaches for `Intl` when a `timezone` is named, and a zone that is the
 * system's own is not passed on (src/time-zone.ts): an idle daemon then never loads ICU's
 * date tables (~8 MB of RSS, issue 18). Five fields, or six
 * with seconds first. A day-of-month and a day-of-week both given must both match, as
 * vigil's schedules always have (node-cron's reading, kept when croner replaced it).
 */
const DIALECT = { domAndDow: true } satisfies CronOptions;

/** Why `expression` is not a schedule vigil can run, or undefined when it is. */
export function cronProblem(expression: string): string | undefined {
  try {
    new Cron(expression, { ...DIALECT, paused: true }).stop();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

export interface CronJob {
  /** The next time it fires, or null when it never will again. */
  nextRun(): Date | null;
  stop(): void;
}

/** Runs `fire` at each match; a run whose promise has not settled when the next is due is not doubled. */
export function scheduleCron(expression: string, zone: string | undefined, fire: () => Promise<unknown>): CronJob {
  const timezone = foreignZone(zone);
  const job = new Cron(expression, { ...DIALECT, ...(timezone ? { timezone } : {}), protect: true }, async () => {
    await fire();
  });
  return { nextRun: () => job.nextRun(), stop: () => job.stop() };
}

/** Whether a second falls on the schedule, for a scheduler that keeps its own clock (a team node's ticks). */
export function cronMatcher(expression: string, zone: string | undefined): (at: Date) => boolean {
  const timezone = foreignZone(zone);
  const job = new Cron(expression, { ...DIALECT, ...(timezone ? { timezone } : {}), paused: true });
  return (at) => job.match(at);
}

/** The schedule's next second after `after`, or null when it never fires again (a team node's `nextTick`: whichever node holds the role takes it). */
export function cronNextRun(expression: string, zone: string | undefined, after: Date): Date | null {
  const timezone = foreignZone(zone);
  return new Cron(expression, { ...DIALECT, ...(timezone ? { timezone } : {}), paused: true }).nextRun(after);
}

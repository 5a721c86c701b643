import { z } from 'zod';
import type { WatchedRepo } from '../config/index.js';
import { eventRecord, type EventRecord } from '../events.js';
import type { PgTicks, PgTx } from '../store/index.js';
import { localDate, withinHours } from './active-hours.js';
import { openWorkLog, openWorkMark, type OpenWorkSource } from './open-work.js';
import { localRepos, readRepoHead } from './repos.js';
import type { TickPayload } from './service.js';
import { changesBetween, nextBaseline, type WorldMark } from './world-mark.js';

/**
 * The quiet-tick rule on a team (issue 19), as TickService applies it on one machine: the
 * world mark is made of this node's watched clones, the open-work digest read through its
 * worker, and the team's tables (the newest decidable event, the approvals), and compared
 * with the baseline the team's last decided tick left in PostgreSQL (src/store/pg/tick-mark.ts).
 */

/** What a team's tick looks at, besides the database. */
export interface TeamWorldOptions {
  repos: readonly WatchedRepo[];
  /** `tick.timezone`. */
  timezone?: string | undefined;
  /** `owner.workingHours`: the owner's day begins at their start. */
  workingHours?: string | undefined;
  /** The open-work digest through the node's worker; absent without GitHub credentials (or in the CLI). */
  openWork?: OpenWorkSource | undefined;
}

/** One look at the world: its mark, what moved since the baseline, and the tick's payload fields. */
export interface TeamWorld {
  mark: WorldMark;
  changes: string[];
  openWork: Pick<TickPayload, 'openWork' | 'openWorkFailed'>;
  /** What the digest cost (`tick.open_work`), logged with the slot's own line. */
  records: EventRecord[];
}

type MarkReads = Pick<PgTicks, 'tables' | 'baseline'>;

export async function observeTeamWorld(ticks: MarkReads, options: TeamWorldOptions, now: number, digestWaitMs?: number): Promise<TeamWorld> {
  const [heads, seen, tables, baseline] = await Promise.all([
    Promise.all(localRepos(options.repos).map(readRepoHead)),
    options.openWork?.(now, digestWaitMs),
    ticks.tables(),
    ticks.baseline(),
  ]);
  const zone = options.timezone;
  const ownerDay = withinHours(options.workingHours, now, zone) ? localDate(now, zone) : undefined;
  const marks = seen ? Object.fromEntries(seen.digests.map((d) => [d.repo, openWorkMark(d)])) : undefined;
  const mark: WorldMark = {
    ...tables,
    repos: Object.fromEntries(heads.map((h) => [h.name, `${h.branch}@${h.head}`])),
    ...(ownerDay ? { ownerDay } : {}),
    ...(marks ? { openWork: marks } : {}),
  };
  // No reminders on a team yet (remind is a local action): none is ever due.
  const changes = changesBetween(baseline, mark, 0);
  if (!seen) return { mark, changes, openWork: {}, records: [] };
  const openWork = { openWork: seen.digests, ...(seen.failed.length ? { openWorkFailed: seen.failed } : {}) };
  return { mark, changes, openWork, records: [eventRecord('tick.open_work', openWorkLog(seen), now)] };
}

/** A scheduled or manual tick's event body on a team: SQLite's TickPayload, and a scheduled one's slot. */
export function teamTickBody(trigger: TickPayload['trigger'], world: TeamWorld, slot?: number): Buffer {
  const changes = trigger === 'manual' ? ['requested by the owner', ...world.changes] : world.changes;
  const payload: TickPayload & { slot?: string } = {
    trigger,
    ...(slot !== undefined ? { slot: new Date(slot).toISOString() } : {}),
    mark: world.mark,
    dueReminders: [],
    changes,
    ...world.openWork,
  };
  return Buffer.from(JSON.stringify(payload));
}

const OpenWorkMarkShape = z.object({ ci: z.string(), hash: z.string() });
/** A tick's mark as its event carries it; an event from before marks were kept on a team carries none. */
const MarkShape: z.ZodType<WorldMark> = z.object({
  lastEventId: z.number(),
  approvalsVersion: z.number(),
  repos: z.record(z.string(), z.string()),
  ownerDay: z.string().optional(),
  openWork: z.record(z.string(), OpenWorkMarkShape).optional(),
});

/**
 * Inside the transaction that decides a team's tick: what it saw becomes the team's
 * baseline, with the approvals as they stand after its decision (so approvals the tick
 * itself asked for do not wake the next one), as `recordDecidedTick` does on SQLite.
 */
export async function recordDecidedTeamTick(ticks: Pick<PgTicks, 'tables' | 'baseline' | 'writeBaseline'>, tx: PgTx, eventId: number, payload: unknown): Promise<void> {
  const parsed = MarkShape.safeParse((payload as { mark?: unknown } | null)?.mark);
  if (!parsed.success) return;
  const before = await ticks.baseline(tx, true);
  const { approvalsVersion } = await ticks.tables(tx);
  await ticks.writeBaseline(tx, eventId, nextBaseline(before, parsed.data, approvalsVersion));
}

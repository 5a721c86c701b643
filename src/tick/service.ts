import type { TickConfig, WatchedRepo } from '../config/index.js';
import type { Clock } from '../clock.js';
import { scheduleCron, type CronJob } from '../cron.js';
import { eventRecord } from '../events.js';
import type { JournalWriter } from '../journal/index.js';
import { withStoreRetry, type Store } from '../store/index.js';
import { localDate, withinHours } from './active-hours.js';
import { openWorkLog, openWorkMark, type OpenWorkSeen, type OpenWorkSource } from './open-work.js';
import type { OpenWorkDigest } from '../github-api/index.js';
import { localRepos, readRepoHead } from './repos.js';
import { changesSinceBaseline, worldMark, type WorldMark } from './world-mark.js';

export interface TickPayload {
  trigger: 'schedule' | 'manual';
  mark: WorldMark;
  dueReminders: { id: number; dueAt: number; note: string }[];
  changes: string[];
  /** The open-work digest per repository (issue 15); absent without GitHub credentials. */
  openWork?: OpenWorkDigest[];
  /** Repositories whose digest could not be read this time, and why. */
  openWorkFailed?: OpenWorkSeen['failed'];
}

export type TickOutcome = { outcome: 'inactive' } | { outcome: 'skipped' } | { outcome: 'enqueued'; eventId: number };

/** A scheduled tick waits this long for a store another process holds; the next tick sees what this one missed. */
const STORE_WAIT_MS = 60_000;
/** `vigil tick` waits less: the owner is waiting for the answer (the CLI gives up after 15 s). */
const MANUAL_STORE_WAIT_MS = 5000;
/** …and for the open-work digest: one not read by then is named failed in the tick, which goes on without it. */
const MANUAL_DIGEST_WAIT_MS = 8000;
export const LAST_TICK_KEY = 'tick.last';

/**
 * The scheduled wake-up. A tick only records: it becomes an inbox event when
 * something moved since the last decided tick, and a `tick.skipped` line otherwise —
 * no model is called for a quiet tick.
 */
export class TickService {
  private task: CronJob | undefined;

  constructor(
    private readonly config: Readonly<TickConfig>,
    private readonly repos: readonly WatchedRepo[],
    private readonly deps: {
      store: Store;
      journal: JournalWriter;
      clock: Clock;
      onEnqueued: () => void;
      /** A scheduled tick failed (it is not retried: the next one observes the same world). */
      onError?: (err: unknown) => void;
      /** `owner.workingHours`, in `tick.timezone`: the owner's day begins at their start (at midnight when unset). */
      workingHours?: string | undefined;
      /** The open-work digest, read through the worker (issue 15); absent without GitHub credentials. */
      openWork?: OpenWorkSource | undefined;
    },
  ) {}

  start(): void {
    if (this.task) return;
    const onError = this.deps.onError ?? (() => undefined);
    this.task = scheduleCron(this.config.schedule, this.config.timezone, () => this.onSchedule().catch(onError));
  }

  stop(): void {
    this.task?.stop();
    this.task = undefined;
  }

  nextRun(): Date | null {
    return this.task?.nextRun() ?? null;
  }

  async onSchedule(): Promise<TickOutcome> {
    const outcome = await this.scheduled();
    await this.stored(() => this.deps.store.kv.set(LAST_TICK_KEY, { at: this.deps.clock.now(), outcome: outcome.outcome }));
    return outcome;
  }

  private async scheduled(): Promise<TickOutcome> {
    const now = this.deps.clock.now();
    if (!withinHours(this.config.activeHours, now, this.config.timezone)) return { outcome: 'inactive' };
    const { mark, due, openWork } = await this.observe(now);
    const changes = changesSinceBaseline(this.deps.store, mark, due.length);
    if (changes.length === 0) {
      this.deps.journal.write(eventRecord('tick.skipped', { reason: 'nothing changed since the last decided tick' }, now));
      return { outcome: 'skipped' };
    }
    return this.enqueue({ trigger: 'schedule', mark, dueReminders: due, changes, ...openWork }, now);
  }

  /** `vigil tick`: the owner asked, so the tick is decided even when nothing moved. */
  async requestManual(): Promise<TickOutcome> {
    const now = this.deps.clock.now();
    const { mark, due, openWork } = await this.observe(now, MANUAL_DIGEST_WAIT_MS);
    const changes = changesSinceBaseline(this.deps.store, mark, due.length);
    await this.stored(() => this.deps.store.kv.set(LAST_TICK_KEY, { at: now, outcome: 'enqueued' }), MANUAL_STORE_WAIT_MS);
    const manual: TickPayload = { trigger: 'manual', mark, dueReminders: due, changes: ['requested by the owner', ...changes], ...openWork };
    return this.enqueue(manual, now, MANUAL_STORE_WAIT_MS);
  }

  private async observe(
    now: number,
    digestWaitMs?: number,
  ): Promise<{ mark: WorldMark; due: TickPayload['dueReminders']; openWork: Pick<TickPayload, 'openWork' | 'openWorkFailed'> }> {
    const [heads, seen] = await Promise.all([Promise.all(localRepos(this.repos).map(readRepoHead)), this.deps.openWork?.(now, digestWaitMs)]);
    const { store } = this.deps;
    const zone = this.config.timezone;
    const ownerDay = withinHours(this.deps.workingHours, now, zone) ? localDate(now, zone) : undefined;
    if (!seen) return { mark: worldMark(store, heads, ownerDay), due: store.reminders.due(now), openWork: {} };
    // What the digest cost, before the tick's own line: counts and 304s, never a title.
    this.deps.journal.write(eventRecord('tick.open_work', openWorkLog(seen), now));
    const marks = Object.fromEntries(seen.digests.map((d) => [d.repo, openWorkMark(d)]));
    const openWork = { openWork: seen.digests, ...(seen.failed.length ? { openWorkFailed: seen.failed } : {}) };
    return { mark: worldMark(store, heads, ownerDay, marks), due: store.reminders.due(now), openWork };
  }

  /** A write that waits out another process's lock on the loop's timers, not inside SQLite (issue 12). */
  private stored<T>(fn: () => T, deadlineMs = STORE_WAIT_MS): Promise<T> {
    return withStoreRetry(fn, { deadlineMs });
  }

  private async enqueue(payload: TickPayload, now: number, waitMs = STORE_WAIT_MS): Promise<TickOutcome> {
    const { store, journal } = this.deps;
    const eventId = await this.stored(
      () =>
        store.transaction(() => {
          const { id } = store.inbox.add({ source: 'tick', kind: 'tick', payload: JSON.stringify(payload), receivedAt: now });
          journal.stage(eventRecord('event.received', { eventId: id, source: 'tick', kind: 'tick' }, now));
          return id;
        }),
      waitMs,
    );
    journal.flush();
    this.deps.onEnqueued();
    return { outcome: 'enqueued', eventId };
  }
}

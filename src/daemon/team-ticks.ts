/**
 * A team's tick scheduler (issue 19): whichever node holds the `tick` role (an advisory
 * lock, src/store/pg/roles.ts) puts one tick event per slot of `tick.schedule` in the
 * shared inbox, where any node's decisions take it like a delivery. A slot is a second at
 * which the schedule fires (in `tick.timezone`, inside `tick.activeHours`); its time is
 * the key of `ticks`, written in the transaction of its event, so a slot has one tick
 * however many nodes believe they hold the role.
 *
 * Failover: the database frees a dead holder's lock (its connection ended), another node
 * takes the role at its next try, and catches up the slots since the last recorded tick —
 * no further back than two leases, the reach of a failover; slots missed while no node
 * ran at all are not replayed (the next tick observes the same world, as on SQLite).
 *
 * A quiet slot costs nothing, as on SQLite (src/tick/service.ts): the holder makes the
 * world mark — its own watched clones' heads, the open-work digest through its worker,
 * the team's newest decidable event and its approvals — and compares it with the mark of
 * the team's last decided tick, kept in PostgreSQL (src/tick/team-world.ts,
 * src/store/pg/tick-mark.ts). Nothing moved: the slot's key is written with no event and
 * a `tick.skipped` line goes to this node's chain, in one transaction, and no model is
 * called. A slot that comes while a tick still waits to be decided waits too (skipped):
 * the decision leaves the baseline the next slot compares with, and a model that is down
 * for an hour does not come back to an hour of ticks. The node that takes the role over
 * compares with what the team's decisions left, not with a memory of its own.
 *
 * A scheduled tick carries no reminders: on a team each due reminder fires as a tick event
 * of its own, whichever node looks first (team-reminders.ts).
 */
import type { Clock } from '../clock.js';
import { cronMatcher } from '../cron.js';
import type { TickConfig } from '../config/index.js';
import { errorText } from '../errors.js';
import { eventRecord, type EventRecord } from '../events.js';
import { isSlotTaken, type PgStore } from '../store/index.js';
import { observeTeamWorld, teamTickBody, withinHours, type TeamWorld, type TeamWorldOptions } from '../tick/index.js';
import { RoleLoop } from './role-loop.js';

export interface TeamTicksDeps {
  store: PgStore;
  clock: Clock;
  config: () => Readonly<TickConfig>;
  /** What the mark is made of besides the database: this node's clones, its digest, the owner's hours. */
  world: () => TeamWorldOptions;
  leaseSeconds: number;
  /** A tick was enqueued: decide it now. */
  enqueued: () => void;
  warn: (message: string, fields: Record<string, unknown>) => void;
}

/** How often the holder looks for due slots (a schedule's finest grain is a second). */
const STEP_MS = 250;
/** A node stops within 10 s (SIGTERM) and waits for a step under way: a digest not read by then is left out of the tick. */
export const DIGEST_WAIT_MS = 6000;
const QUIET = 'nothing changed since the last decided tick';
const WAITING = 'the last tick is not decided yet';

export class TeamTicks {
  private readonly loop: RoleLoop;
  /** Every second up to this one (epoch ms) was looked at; undefined until the role is held. */
  private checkedUntil: number | undefined;
  private matcher: { pattern: string; timezone: string | undefined; matches: (at: Date) => boolean } | undefined;

  constructor(private readonly deps: TeamTicksDeps) {
    this.loop = new RoleLoop(deps.store, 'tick', STEP_MS, () => this.step());
  }

  /** Tries for the role now; looks for due slots every STEP_MS while it holds it. */
  start(): void {
    this.loop.start(0);
  }

  /** The role was lost (the connection ended, a confirm failed): the next holder starts from the database. */
  lost(): void {
    this.checkedUntil = undefined;
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async step(): Promise<void> {
    const { store, clock } = this.deps;
    if (!store.roles.holds('tick')) {
      this.checkedUntil = undefined;
      return;
    }
    const now = clock.now();
    try {
      // Slots are caught up no further back than two leases: after a failover, or a database away for a while.
      const reach = now - 2 * this.deps.leaseSeconds * 1000;
      if (this.checkedUntil === undefined) {
        const last = await store.ticks.lastSlot();
        this.checkedUntil = last === undefined ? now : Math.max(last, reach);
      }
      this.checkedUntil = Math.max(this.checkedUntil, reach);
      const slots = this.dueSlots(this.checkedUntil, now);
      if (slots.length === 0) {
        this.checkedUntil = Math.max(this.checkedUntil, Math.floor(now / 1000) * 1000);
        return;
      }
      // The key is the fence; confirming first keeps a node that lost the role from trying at all.
      if (!(await store.roles.confirm('tick'))) return;
      // One look at the world for the slots due now (several only after a failover or a database away).
      let world: TeamWorld | undefined;
      for (const slot of slots) {
        if (await store.ticks.waiting()) {
          await this.skip(slot, WAITING, []);
        } else {
          const fresh = world === undefined;
          world ??= await observeTeamWorld(store.ticks, this.deps.world(), clock.now(), DIGEST_WAIT_MS);
          const records = fresh ? world.records : [];
          if (world.changes.length === 0) await this.skip(slot, QUIET, records);
          else await this.enqueue(slot, world, records);
        }
        this.checkedUntil = slot;
      }
      this.checkedUntil = Math.max(this.checkedUntil, Math.floor(now / 1000) * 1000);
    } catch (err) {
      // The database away: the same slots are looked at again at the next step.
      this.deps.warn('tick failed', { error: errorText(err) });
    }
  }

  /** The seconds after `from` up to `now` at which the schedule fires, inside the active hours. */
  private dueSlots(from: number, now: number): number[] {
    const config = this.deps.config();
    const matches = this.matches(config);
    const slots: number[] = [];
    for (let s = Math.floor(from / 1000) + 1; s * 1000 <= now; s++) {
      const at = s * 1000;
      if (matches(new Date(at)) && withinHours(config.activeHours, at, config.timezone)) slots.push(at);
    }
    return slots;
  }

  /** The schedule's matcher, made again when the config changes it. */
  private matches(config: Readonly<TickConfig>): (at: Date) => boolean {
    if (this.matcher?.pattern !== config.schedule || this.matcher.timezone !== config.timezone) {
      this.matcher = { pattern: config.schedule, timezone: config.timezone, matches: cronMatcher(config.schedule, config.timezone) };
    }
    return this.matcher.matches;
  }

  /** The slot's event and its key, with its lines, in one transaction; nothing when the slot has its tick. */
  private async enqueue(slot: number, world: TeamWorld, records: EventRecord[]): Promise<void> {
    const { store, clock } = this.deps;
    const body = teamTickBody('schedule', world, slot);
    let eventId: number | undefined;
    try {
      eventId = await store.transaction(async (tx) => {
        const id = await store.ticks.enqueue(tx, slot, body);
        if (id !== undefined) await store.log.append(tx, [...records, eventRecord('event.received', { eventId: id, source: 'tick', kind: 'tick' }, clock.now())]);
        return id;
      });
    } catch (err) {
      if (!isSlotTaken(err)) throw err;
    }
    if (eventId !== undefined) this.deps.enqueued();
  }

  /** A quiet slot: its key with no event and SQLite's `tick.skipped` line, in one transaction; nothing when another looked at it. */
  private async skip(slot: number, reason: string, records: EventRecord[]): Promise<void> {
    const { store, clock } = this.deps;
    await store.transaction(async (tx) => {
      if (await store.ticks.skip(tx, slot)) await store.log.append(tx, [...records, eventRecord('tick.skipped', { reason }, clock.now())]);
    });
  }
}

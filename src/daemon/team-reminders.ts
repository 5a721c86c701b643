/**
 * A team's reminders come due (issue 19): every node looks each second for reminders
 * whose time came and fires them — each a tick event in the shared inbox with the
 * reminder in its `dueReminders`, decided by any node's decisions as a home's tick that
 * carries it (src/store/pg/reminders.ts). No role: the row lock and `fired_at`, in the
 * transaction of the event, make each fire once however many nodes look, and a node that
 * dies before it fired one leaves it to the others' next look.
 */
import type { Clock } from '../clock.js';
import { errorText } from '../errors.js';
import { eventRecord, type EventRecord } from '../events.js';
import type { PgStore } from '../store/index.js';

export interface TeamRemindersDeps {
  store: Pick<PgStore, 'reminders' | 'log' | 'transaction'>;
  clock: Clock;
  /** A reminder's event was enqueued: decide it now. */
  enqueued: () => void;
  warn: (message: string, fields: Record<string, unknown>) => void;
}

/** How often a node looks (a reminder's `at` has the second as its finest grain that matters). */
const STEP_MS = 1000;
/** Reminders fired per transaction. */
const BATCH = 16;

export class TeamReminders {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private failing = false;

  constructor(private readonly deps: TeamRemindersDeps) {}

  start(): void {
    const loop = () => {
      if (this.stopped) return;
      this.running = this.fireDue().then(() => undefined).finally(() => {
        this.running = undefined;
        if (!this.stopped) this.timer = setTimeout(loop, STEP_MS).unref();
      });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Fires every due reminder, a batch per transaction; the database away is said once and tried again at the next step. */
  async fireDue(): Promise<number> {
    let fired = 0;
    try {
      for (;;) {
        const batch = await this.fireBatch();
        fired += batch;
        if (batch < BATCH) break;
      }
      if (this.failing) this.deps.warn('reminders: the team database answers again', {});
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.deps.warn('reminders could not be fired', { error: errorText(err) });
      this.failing = true;
    }
    if (fired > 0) this.deps.enqueued();
    return fired;
  }

  private fireBatch(): Promise<number> {
    const { store, clock } = this.deps;
    return store.transaction(async (tx) => {
      const now = clock.now();
      const due = await store.reminders.lockDue(tx, now, BATCH);
      const lines: EventRecord[] = [];
      for (const reminder of due) {
        const eventId = await store.reminders.fire(tx, reminder, now);
        lines.push(
          eventRecord('event.received', { eventId, source: 'tick', kind: 'tick' }, now),
          eventRecord('reminder.due', { note: reminder.note, dueAt: new Date(reminder.dueAt).toISOString() }, now),
        );
      }
      if (lines.length) await store.log.append(tx, lines);
      return due.length;
    });
  }
}

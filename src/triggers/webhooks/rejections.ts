import type { Clock } from '../../clock.js';
import { eventRecord, type EventRecord } from '../../events.js';
import type { WebhookRejectionLog } from '../../store/index.js';
import {
  DAY_MS,
  HOUR_MS,
  likelyCause,
  MINUTE_MS,
  summarizeRejections,
  type RejectionPath,
  type RejectionReason,
  type RejectionSummary,
} from './rejection-summary.js';

/** A proxied delivery's names; both already passed the header patterns (delivery-headers.ts). */
export interface RejectedDelivery {
  deliveryId: string;
  event: string;
}

export interface RejectionTallyDeps {
  clock: Clock;
  /** Writes one log record (the daemon's journal). */
  record: (record: EventRecord) => void;
  /** The counts as last saved (the store's kv), and saving them; a failed save is retried at the next line. */
  load: () => WebhookRejectionLog | undefined;
  save: (log: WebhookRejectionLog) => void;
  /** Deliveries through the proxy fail verification: tell the owner. Called at most once an hour. */
  notifyOwner: (cause: string) => void;
}

/** Delivery ids one proxy line names at most; the rest are counted in `more`. */
const IDS_PER_LINE = 50;

interface Pending {
  count: number;
  since: number;
  deliveries: RejectedDelivery[];
  lastLineAt: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Every refused delivery is counted (issue 20): a rotated or mistyped secret must not
 * look like a quiet day. Counting is the cold path — the accepted path never calls
 * this. Per reason and path the log gets at most one `webhook.rejected` line a minute,
 * with the count since the last line: a flood of forged requests cannot flood the log.
 * The first rejection after a quiet minute is written at once; the rest of that minute
 * wait for a timer. The counts per minute for the last day go to the store with each
 * line, so `vigil status` and `vigil doctor` read them from another process.
 */
export class RejectionTally {
  private readonly log: WebhookRejectionLog;
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly deps: RejectionTallyDeps) {
    const saved = deps.load();
    this.log = { minutes: saved?.minutes ?? [], notifiedAt: saved?.notifiedAt ?? null };
  }

  /** Count one refused delivery; `delivery` only for the proxy path (the channel is the owner's own). */
  note(reason: RejectionReason, path: RejectionPath, delivery?: RejectedDelivery): void {
    const now = this.deps.clock.now();
    this.countInMinute(reason, path, now);
    if (path === 'proxy') this.maybeNotify(now);
    const key = `${path}:${reason}`;
    let pending = this.pending.get(key);
    if (!pending) {
      pending = { count: 0, since: now, deliveries: [], lastLineAt: -Infinity, timer: undefined };
      this.pending.set(key, pending);
    }
    if (pending.count === 0) pending.since = now;
    pending.count++;
    if (delivery) pending.deliveries.push(delivery);
    if (pending.timer) return;
    const wait = pending.lastLineAt + MINUTE_MS - now;
    if (wait <= 0) this.writeLine(reason, path, pending);
    else {
      pending.timer = setTimeout(() => this.writeLine(reason, path, pending), wait);
      pending.timer.unref();
    }
  }

  /** Rejections in the last `windowMs`, counted up to this moment (lines not yet written included). */
  summary(windowMs: number): RejectionSummary {
    return summarizeRejections(this.log, this.deps.clock.now(), windowMs);
  }

  /** The counts up to this moment, as they would be saved now (a node's status sums them with the other nodes' rows). */
  counts(): WebhookRejectionLog {
    return { minutes: [...this.log.minutes], notifiedAt: this.log.notifiedAt };
  }

  /** Stopping: the counts still waiting for their minute are written now. */
  close(): void {
    for (const [key, pending] of this.pending) {
      if (pending.count === 0) continue;
      const [path, reason] = key.split(':') as [RejectionPath, RejectionReason];
      this.writeLine(reason, path, pending);
    }
  }

  private countInMinute(reason: RejectionReason, path: RejectionPath, now: number): void {
    const start = now - (now % MINUTE_MS);
    let minute = this.log.minutes.at(-1);
    if (!minute || minute.minute !== start) {
      minute = { minute: start, direct: {}, proxy: {} };
      this.log.minutes.push(minute);
      // A day is kept: doctor looks back a day, status an hour.
      while (this.log.minutes.length && this.log.minutes[0]!.minute + MINUTE_MS <= now - DAY_MS) this.log.minutes.shift();
    }
    minute[path][reason] = (minute[path][reason] ?? 0) + 1;
  }

  private writeLine(reason: RejectionReason, path: RejectionPath, pending: Pending): void {
    clearTimeout(pending.timer);
    pending.timer = undefined;
    const now = this.deps.clock.now();
    const { count, since, deliveries } = pending;
    pending.count = 0;
    pending.deliveries = [];
    pending.lastLineAt = now;
    const cause = likelyCause({ total: count, direct: path === 'direct' ? { [reason]: count } : {}, proxy: path === 'proxy' ? { [reason]: count } : {} });
    const named = deliveries.slice(0, IDS_PER_LINE);
    try {
      this.deps.record(
        eventRecord(
          'webhook.rejected',
          {
            reason,
            via: path,
            count,
            since: new Date(since).toISOString(),
            ...(cause ? { cause } : {}),
            ...(named.length ? { deliveries: named } : {}),
            ...(deliveries.length > named.length ? { more: deliveries.length - named.length } : {}),
          },
          now,
        ),
      );
      this.deps.save(this.log);
    } catch {
      // The log or the store is out of reach for now: the counts stay in memory, and the
      // next line (or status through the daemon) still has them.
    }
  }

  private maybeNotify(now: number): void {
    if (this.log.notifiedAt !== null && now - this.log.notifiedAt < HOUR_MS) return;
    this.log.notifiedAt = now;
    const cause = likelyCause(this.summary(HOUR_MS));
    try {
      this.deps.notifyOwner(cause ?? 'see vigil doctor');
    } catch {
      // The notice could not be queued (the store is busy): the next hour tries again.
    }
  }
}

/**
 * A node's count of refused webhook deliveries (issue 20 on a team, issue 19): the tally
 * the single daemon keeps (src/triggers/webhooks/rejections.ts), its counts saved in the
 * node's row of `webhook_rejections` with each `webhook.rejected` line — as the single
 * daemon saves them in its kv — and loaded again at the next start, so `vigil status` and
 * `vigil doctor` on any home of the team read every node's. When deliveries through the
 * node's smee client keep failing verification the owner is told, through the team's
 * notification queue (any node's worker sends it), once an hour across the team.
 */
import type { Clock } from '../clock.js';
import { errorText } from '../errors.js';
import type { EventRecord } from '../events.js';
import type { PgStore, WebhookRejectionLog } from '../store/index.js';
import { RejectionTally } from '../triggers/index.js';

export interface TeamRejectionsDeps {
  store: PgStore;
  clock: Clock;
  record: (record: EventRecord) => Promise<void>;
  warn: (message: string, fields: Record<string, unknown>) => void;
}

const HOUR_MS = 3_600_000;

/** The node's tally, and the writes it started (a line, a save, a notice): a stop waits for them before the pool ends. */
export class TeamRejections {
  private constructor(
    readonly tally: RejectionTally,
    private readonly pending: Set<Promise<unknown>>,
  ) {}

  static async start(deps: TeamRejectionsDeps): Promise<TeamRejections> {
    const { store, clock, warn } = deps;
    // What this node counted before it stopped (the last day's minutes): its status goes on from there.
    const saved = await store.rejections.load();
    const pending = new Set<Promise<unknown>>();
    const track = (write: Promise<unknown>, failed: string) => {
      const tracked = write.catch((err: unknown) => warn(failed, { error: errorText(err) }));
      pending.add(tracked);
      void tracked.finally(() => pending.delete(tracked));
    };
    return new TeamRejections(
      new RejectionTally({
        clock,
        record: (record) => track(deps.record(record), 'a webhook.rejected line was not logged'),
        load: () => saved,
        save: (log) => track(store.rejections.save(log), 'the refused deliveries\' counts were not saved'),
        notifyOwner: (cause) => {
          const now = clock.now();
          const notice = { title: 'vigil: deliveries are failing verification', body: `Deliveries are arriving but failing verification: ${cause}. See vigil doctor.` };
          // The hour is the key: nodes that refuse the same channel's deliveries in one hour queue one notice.
          const key = `alert:webhooks-failing:${now - (now % HOUR_MS)}`;
          track(store.transaction((tx) => store.notify.enqueue(tx, key, 'alert', notice, now)), 'the owner could not be told that deliveries fail verification');
        },
      }),
      pending,
    );
  }

  /** The counts up to this moment (`vigil status` through this node). */
  counts(): WebhookRejectionLog {
    return this.tally.counts();
  }

  /** Stopping: the counts still waiting for their minute are written, and every write started is awaited. */
  async close(): Promise<void> {
    this.tally.close();
    await Promise.all([...this.pending]);
  }
}

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
import type { PgStore } from '../store/index.js';
import { RejectionTally } from '../triggers/index.js';

export interface TeamRejectionsDeps {
  store: PgStore;
  clock: Clock;
  record: (record: EventRecord) => Promise<void>;
  warn: (message: string, fields: Record<string, unknown>) => void;
}

const HOUR_MS = 3_600_000;

export async function teamRejectionTally(deps: TeamRejectionsDeps): Promise<RejectionTally> {
  const { store, clock, warn } = deps;
  // What this node counted before it stopped (the last day's minutes): its status goes on from there.
  const saved = await store.rejections.load();
  return new RejectionTally({
    clock,
    record: (record) => void deps.record(record).catch((err: unknown) => warn('a webhook.rejected line was not logged', { error: errorText(err) })),
    load: () => saved,
    save: (log) => void store.rejections.save(log).catch((err: unknown) => warn('the refused deliveries\' counts were not saved', { error: errorText(err) })),
    notifyOwner: (cause) => {
      const now = clock.now();
      const notice = { title: 'vigil: deliveries are failing verification', body: `Deliveries are arriving but failing verification: ${cause}. See vigil doctor.` };
      // The hour is the key: nodes that refuse the same channel's deliveries in one hour queue one notice.
      void store
        .transaction((tx) => store.notify.enqueue(tx, `alert:webhooks-failing:${now - (now % HOUR_MS)}`, 'alert', notice, now))
        .catch((err: unknown) => warn('the owner could not be told that deliveries fail verification', { error: errorText(err) }));
    },
  });
}

import type { GithubConfig } from '../../config/index.js';
import type { EventRecord } from '../../events.js';
import { recentLogEntries } from '../../logs/index.js';
import type { Store } from '../../store/index.js';
import { deliveryKind, filterReason } from './classify.js';
import { receivedRecords } from './intake.js';

/**
 * Webhook intake makes a group's bodies durable in the spool, then commits their
 * inbox rows. A crash between the two leaves spooled deliveries without a row (never
 * acknowledged, but received): give them their rows now, at start, before intake
 * opens again. So do deliveries answered 503 because their rows failed to commit (a
 * busy or full store): the committer keeps the inbox in spool order, so they too lie
 * after the newest row. A torn record at a segment's end (a crash mid-append) is cut off.
 * Returns how many deliveries were indexed.
 */
export function indexSpooledDeliveries(store: Store, filter: Readonly<GithubConfig>): number {
  const { records, torn } = store.spool.scanAfter(store.inbox.lastSpoolRef());
  for (const { segment, validBytes } of torn) store.spool.truncate(segment, validBytes);
  let indexed = 0;
  store.transaction(() => {
    for (const record of records) {
      if (store.inbox.deliveryEventId(record.deliveryId) !== undefined) continue;
      // The body was checked as a JSON object before it was spooled, and its crc checks.
      const value: unknown = JSON.parse(record.body);
      const filtered = filterReason(filter, record.event, value);
      const { inserted } = store.inbox.addSpooled(
        { source: 'github', kind: deliveryKind(record.event, value), deliveryId: record.deliveryId, receivedAt: record.receivedAt },
        record.ref,
        filtered ? 'filtered' : 'pending',
        record.bodyDigest,
      );
      // Not inserted: a replay of a body stored under another id, answered as such.
      if (inserted) indexed++;
    }
  });
  return indexed;
}

/**
 * A delivery's row is committed and then its line logged; a crash between the two
 * leaves stored deliveries without their `event.received` line.
 * Batches are logged in commit order, so every github row after the newest logged one
 * is such a delivery: log it now, at start, before anything else is written.
 */
export function logUnloggedDeliveries(store: Store, logsDir: string, now: number): EventRecord[] {
  const newest = newestLoggedDelivery(logsDir);
  return store.inbox.deliveriesAfter(newest).flatMap((row) =>
    receivedRecords(
      { eventId: row.id, kind: row.kind, ...(row.state === 'filtered' ? { filtered: 'filtered when received' } : {}) },
      row.deliveryId,
      now,
    ),
  );
}

function newestLoggedDelivery(dir: string): number {
  let newest = 0;
  for (const entry of recentLogEntries(dir)) {
    if (entry.type === 'event.received' && entry.source === 'github' && typeof entry.eventId === 'number') {
      newest = Math.max(newest, entry.eventId);
    }
  }
  return newest;
}

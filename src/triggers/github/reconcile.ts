import type { EventRecord } from '../../events.js';
import { recentLogEntries } from '../../logs/index.js';
import type { Store } from '../../store/index.js';
import { receivedRecords } from './intake.js';

/**
 * A delivery is committed by the intake thread and then logged by the daemon; a crash
 * between the two leaves stored deliveries without their `event.received` line.
 * Batches are logged in commit order, so every github row after the newest logged one
 * is such a delivery: log it now, at start, before anything else is written.
 */
export function logUnloggedDeliveries(store: Store, logsDir: string, now: number): EventRecord[] {
  const newest = newestLoggedDelivery(logsDir);
  const rows = store.db
    .prepare(`SELECT id, kind, delivery_id AS deliveryId, state FROM inbox WHERE source = 'github' AND id > ? ORDER BY id`)
    .all(newest) as { id: number; kind: string; deliveryId: string; state: string }[];
  return rows.flatMap((row) =>
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

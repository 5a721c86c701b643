/**
 * The sweep's memory in a home's SQLite store (issue 3): the delivery ids asked for and
 * when, in `kv` (the newest 2000, enough for three days of failures), the inbox it checks,
 * its log lines staged through the worker's outbox, and the owner told through the
 * notification queue the worker sends from. One process sweeps a home, so nothing fences it.
 */
import type { EventRecord } from '../events.js';
import type { Store } from '../store/index.js';
import type { AskedRedelivery, SweepMemory } from './types.js';

/** Delivery ids already re-requested, newest last; enough for three days of failures. */
const REMEMBERED = 2000;

export function kvSweepMemory(store: Store, record: (record: EventRecord) => void, now: () => number): SweepMemory {
  const log = (lines: EventRecord[]) => {
    for (const line of lines) record(line);
    return Promise.resolve();
  };
  return {
    lastSweep: () => Promise.resolve(store.kv.get('github.sweep.last')),
    begin: () => Promise.resolve(),
    asked: (guids) => {
      const requested = new Set(store.kv.get('github.redelivery.requested') ?? []);
      const followUps = new Map((store.kv.get('github.redelivery.asked') ?? []).map((f) => [f.guid, f]));
      const found = new Map<string, AskedRedelivery>();
      for (const guid of guids) {
        const followUp = followUps.get(guid);
        // An id asked for before follow-ups were kept: remembered, never followed up.
        if (followUp) found.set(guid, { at: followUp.at, ...(followUp.told ? { told: true } : {}) });
        else if (requested.has(guid)) found.set(guid, {});
      }
      return Promise.resolve(found);
    },
    stored: (guids) => Promise.resolve(new Set(guids.filter((guid) => store.inbox.byDeliveryId(guid)))),
    firstDeliveryAt: () => Promise.resolve(store.inbox.firstDeliveryAt()),
    mayRequest: () => Promise.resolve(true),
    requested: (guid, _deliveryId, at, lines) => {
      store.kv.set('github.redelivery.requested', [...(store.kv.get('github.redelivery.requested') ?? []), guid].slice(-REMEMBERED));
      store.kv.set('github.redelivery.asked', [...(store.kv.get('github.redelivery.asked') ?? []), { guid, at }].slice(-REMEMBERED));
      return log(lines);
    },
    refusedAgain: (guid, notice, lines) => {
      const followUps = store.kv.get('github.redelivery.asked') ?? [];
      store.kv.set('github.redelivery.asked', followUps.map((f) => (f.guid === guid ? { ...f, told: true } : f)));
      store.notifications.enqueueNotice(`alert:missed:${guid}`, 'alert', notice, now());
      return log(lines);
    },
    log,
    finished: (startedAt, lines) => {
      store.kv.set('github.sweep.last', startedAt);
      return log(lines);
    },
  };
}

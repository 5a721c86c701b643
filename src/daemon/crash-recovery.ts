import type { GithubConfig } from '../config/index.js';
import { eventRecord } from '../events.js';
import type { Journal } from '../journal/index.js';
import type { Store } from '../store/index.js';
import { indexSpooledDeliveries, logUnloggedDeliveries } from '../triggers/index.js';

/**
 * What a single daemon's start takes over from the one before it, which may have died:
 * deliveries spooled but not yet in the inbox, stored but not yet logged; its claims,
 * which are void; its worker's running actions, which return to the queue.
 */
export function recoverFromCrash(parts: { store: Store; journal: Journal; logsDir: string; github: Readonly<GithubConfig>; now: number }): void {
  const { store, journal, now } = parts;
  indexSpooledDeliveries(store, parts.github);
  const unlogged = logUnloggedDeliveries(store, parts.logsDir, now);
  if (unlogged.length) journal.writeMany(unlogged);
  store.inbox.releaseClaims();
  store.transaction(() => {
    const { retried } = store.actions.releaseRunning(now, Number.MAX_SAFE_INTEGER);
    for (const id of retried) journal.stage(eventRecord('action.released', { actionId: id, reason: 'the previous daemon stopped' }, now));
  });
  journal.flush();
}

import { systemClock } from '../clock.js';
import { eventRecord } from '../events.js';
import { withTeamCancels, type PgCancelStore } from '../store/index.js';
import { checkCancellable } from './cancel.js';

/**
 * `vigil cancel ID` on a team's home (`store.url`, issue 19): straight to the database by
 * a short-lived pool, whether or not a node runs here — the task may run on any node,
 * whose worker polls the action's flag (migration pg-017) and stops it. The line goes to
 * `node`'s chain (the node of this home, else the host's name).
 */
export async function cancelTeamAgentTask(url: string, node: string, id: string): Promise<void> {
  await withTeamCancels(url, node, (store) => requestTeamCancel(store, id, systemClock.now()));
}

/**
 * The request itself, from the CLI's pool or a node's (`POST /api/actions/:id/cancel`):
 * the home's checks, made on the row locked in the transaction that sets the flag, and
 * the request's line on the store's node's chain.
 */
export async function requestTeamCancel(store: Pick<PgCancelStore, 'cancels' | 'log' | 'transaction'>, id: string, now: number): Promise<void> {
  await store.transaction(async (tx) => {
    checkCancellable(id, await store.cancels.lock(tx, id));
    await store.cancels.request(tx, id, now);
    await store.log.append(tx, [eventRecord('agent.cancel_requested', { actionId: id }, now)]);
  });
}

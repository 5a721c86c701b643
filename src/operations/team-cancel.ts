import { systemClock } from '../clock.js';
import { eventRecord } from '../events.js';
import { withTeamCancels } from '../store/index.js';
import { checkCancellable } from './cancel.js';

/**
 * `vigil cancel ID` on a team's home (`store.url`, issue 19): straight to the database by
 * a short-lived pool, whether or not a node runs here — the task may run on any node,
 * whose worker polls the action's flag (migration pg-017) and stops it. The checks are
 * the home's, made on the row locked in the transaction that sets the flag; the request's
 * line goes to `node`'s chain (the node of this home, else the host's name).
 */
export async function cancelTeamAgentTask(url: string, node: string, id: string): Promise<void> {
  await withTeamCancels(url, node, (store) =>
    store.transaction(async (tx) => {
      checkCancellable(id, await store.cancels.lock(tx, id));
      const now = systemClock.now();
      await store.cancels.request(tx, id, now);
      await store.log.append(tx, [eventRecord('agent.cancel_requested', { actionId: id }, now)]);
    }),
  );
}

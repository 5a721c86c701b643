import { requestCancel } from '../../agent/cancel.js';
import { systemClock } from '../../clock.js';
import { VigilError } from '../../errors.js';
import { eventRecord } from '../../events.js';
import { Store } from '../../store/index.js';
import { requireHome, type CliContext } from '../context.js';

/**
 * `vigil cancel ID`: asks a running agent task to stop. The task polls the flag, stops
 * its agent, removes its worktree and ends `failed` ("cancelled by the owner"). Works
 * with or without a running daemon: the flag lives in the store.
 */
export async function cancelCommand(ctx: CliContext, id: string): Promise<void> {
  requireHome(ctx);
  const store = Store.open(ctx.paths.db);
  try {
    const action = store.actions.get(id);
    if (!action) throw new VigilError('VIGIL_ERR_APPROVAL_NOT_FOUND', `no action ${id}`);
    if (action.action !== 'agent.task') throw new VigilError('VIGIL_ERR_USAGE', `${id} is ${action.action}; only agent tasks can be cancelled`);
    if (action.state !== 'running') {
      const hint = action.state === 'awaiting_approval' ? ' (deny it instead: vigil deny ID)' : '';
      throw new VigilError('VIGIL_ERR_USAGE', `${id} is ${action.state}, not running${hint}`);
    }
    const now = systemClock.now();
    store.transaction(() => {
      requestCancel(store, id, now);
      store.outbox.add(eventRecord('agent.cancel_requested', { actionId: id }, now));
    });
    ctx.out(`${id}: cancelling (the task stops, removes its worktree and ends failed)`);
  } finally {
    store.close();
  }
}

import { VigilError } from '../errors.js';
import { eventRecord } from '../events.js';
import type { OperationDeps } from './deps.js';

/**
 * `vigil cancel ID`: asks a running agent task to stop. The task polls the flag, stops
 * its agent, removes its worktree and ends `failed` ("cancelled by the owner"). The flag
 * lives in the store, so the request reaches the worker from whichever process made it.
 */
export async function cancelAgentTask(deps: OperationDeps, id: string): Promise<void> {
  // The agent room is loaded only when a cancel comes (the daemon and the CLI stay light
  // otherwise), and before the checks: nothing waits between checking and flagging.
  const { requestCancel } = await import('../agent/index.js');
  const { store, clock, journal } = deps;
  checkCancellable(id, store.actions.get(id));
  const now = clock.now();
  store.transaction(() => {
    requestCancel(store, id, now);
    journal.stage(eventRecord('agent.cancel_requested', { actionId: id }, now));
  });
  journal.flush();
}

/** Only a running agent task can be cancelled; the same answers on a home and on a team (team-cancel.ts). */
export function checkCancellable(id: string, action: { action: string; state: string } | undefined): void {
  if (!action) throw new VigilError('VIGIL_ERR_APPROVAL_NOT_FOUND', `no action ${id}`);
  if (action.action !== 'agent.task') throw new VigilError('VIGIL_ERR_USAGE', `${id} is ${action.action}; only agent tasks can be cancelled`);
  if (action.state !== 'running') {
    const hint = action.state === 'awaiting_approval' ? ' (deny it instead: vigil deny ID)' : '';
    throw new VigilError('VIGIL_ERR_USAGE', `${id} is ${action.state}, not running${hint}`);
  }
}

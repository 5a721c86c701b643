import type { CliContext } from '../context.js';
import { daemonOrInProcess, withHomeStore } from '../operate.js';

/**
 * `vigil cancel ID`: asks a running agent task to stop; it removes its worktree and ends
 * `failed`. Works with or without a running daemon: the flag lives in the store.
 */
export async function cancelCommand(ctx: CliContext, id: string): Promise<void> {
  await daemonOrInProcess(
    ctx,
    { method: 'POST', route: `/api/actions/${encodeURIComponent(id)}/cancel`, passThrough: ['VIGIL_ERR_APPROVAL_NOT_FOUND', 'VIGIL_ERR_USAGE'] },
    async () => {
      // Only when no daemon runs: asking one loads neither the operations nor the store.
      const { cancelAgentTask } = await import('../../operations/index.js');
      return withHomeStore(ctx, (deps) => cancelAgentTask(deps, id));
    },
  );
  ctx.out(`${id}: cancelling (the task stops, removes its worktree and ends failed)`);
}

import os from 'node:os';
import { readDaemonInfo } from '../../home/index.js';
import type { CliContext } from '../context.js';
import { daemonOrInProcess, withHomeStore } from '../operate.js';
import { teamStoreUrl } from '../team-home.js';

/**
 * `vigil cancel ID`: asks a running agent task to stop; it removes its worktree and ends
 * `failed`. Works with or without a running daemon: the flag lives in the store — on a
 * team's home (`store.url`) in the team's database, which the worker running the task
 * polls on whichever node it runs. A daemon running on this home (a team's node too)
 * takes the request; otherwise this process writes the flag.
 */
export async function cancelCommand(ctx: CliContext, id: string): Promise<void> {
  await daemonOrInProcess(
    ctx,
    { method: 'POST', route: `/api/actions/${encodeURIComponent(id)}/cancel`, passThrough: ['VIGIL_ERR_APPROVAL_NOT_FOUND', 'VIGIL_ERR_USAGE'] },
    async () => {
      // Only when no daemon runs: asking one loads neither the operations nor the store.
      const team = await teamStoreUrl(ctx);
      const operations = await import('../../operations/index.js');
      if (!team) return withHomeStore(ctx, (deps) => operations.cancelAgentTask(deps, id));
      // The node of this home (stopped) names the chain the request is logged in; without one, the host.
      return operations.cancelTeamAgentTask(team, readDaemonInfo(ctx.paths.daemon)?.node ?? os.hostname(), id);
    },
  );
  ctx.out(`${id}: cancelling (the task stops, removes its worktree and ends failed)`);
}

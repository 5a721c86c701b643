import { VigilError } from '../../errors.js';
import { paintFor } from '../../for-people.js';
import { loadHomeConfig, type CliContext } from '../context.js';
import { daemonOrInProcess, withHomeStore } from '../operate.js';
import { renderStatus } from '../status-view.js';

/**
 * With no daemon the report comes from the store (today's cost, the last tick, what
 * waits) and is printed all the same; the command then exits 69, as the README's
 * table says, so that `vigil status || …` in a script means "not running".
 */
export async function statusCommand(ctx: CliContext, opts: { json?: boolean }): Promise<void> {
  const { inDaemon, result: report } = await daemonOrInProcess<Record<string, unknown>, Record<string, unknown>>(ctx, { method: 'GET', route: '/api/status' }, () =>
    // The in-process report needs the daemon room's status; asking the daemon needs none of it.
    withHomeStore(ctx, async ({ store, clock }) => (await import('../../daemon/index.js')).statusReport({ store, config: loadHomeConfig(ctx), now: clock.now() })),
  );
  if (opts.json) ctx.out(JSON.stringify(report, null, 2));
  else for (const line of renderStatus(report, Date.now(), paintFor(process.stdout, ctx.env))) ctx.out(line);
  if (!inDaemon) throw new VigilError('VIGIL_ERR_NOT_RUNNING', `no daemon runs on ${ctx.paths.home}`);
}

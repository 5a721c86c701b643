import { statusReport } from '../../daemon/index.js';
import { loadHomeConfig, type CliContext } from '../context.js';
import { daemonOrInProcess, withHomeStore } from '../operate.js';

export async function statusCommand(ctx: CliContext, opts: { json?: boolean }): Promise<void> {
  const { result: report } = await daemonOrInProcess<Record<string, unknown>, Record<string, unknown>>(ctx, { method: 'GET', route: '/api/status' }, () =>
    withHomeStore(ctx, ({ store, clock }) => statusReport({ store, config: loadHomeConfig(ctx), now: clock.now() })),
  );
  if (opts.json) return ctx.out(JSON.stringify(report, null, 2));
  for (const [key, value] of Object.entries(report)) {
    ctx.out(`${(key + ':').padEnd(18)} ${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}`);
  }
}

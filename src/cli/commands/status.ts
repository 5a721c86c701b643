import { systemClock } from '../../clock.js';
import { statusReport } from '../../daemon/index.js';
import { Store } from '../../store/index.js';
import { TickService } from '../../tick/index.js';
import { callDaemon, daemonUrl, loadHomeConfig, requireHome, type CliContext } from '../context.js';

export async function statusCommand(ctx: CliContext, opts: { json?: boolean }): Promise<void> {
  requireHome(ctx);
  let report: Record<string, unknown>;
  if (daemonUrl(ctx)) {
    report = await callDaemon(ctx, 'GET', '/api/status');
  } else {
    const store = Store.open(ctx.paths.db);
    try {
      report = statusReport({ store, config: loadHomeConfig(ctx), now: systemClock.now() });
    } finally {
      store.close();
    }
  }
  if (opts.json) return ctx.out(JSON.stringify(report, null, 2));
  for (const [key, value] of Object.entries(report)) {
    ctx.out(`${(key + ':').padEnd(18)} ${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}`);
  }
}

export async function tickCommand(ctx: CliContext): Promise<void> {
  requireHome(ctx);
  if (daemonUrl(ctx)) {
    const result = await callDaemon<{ outcome: string; eventId?: number }>(ctx, 'POST', '/api/tick');
    ctx.out(`tick ${result.outcome}${result.eventId ? ` as event ${result.eventId}` : ''}`);
    return;
  }
  // No daemon: the tick waits in the inbox and is decided when vigil starts. Nothing is lost.
  const config = loadHomeConfig(ctx);
  const store = Store.open(ctx.paths.db);
  try {
    const outbox = (r: Parameters<typeof store.outbox.add>[0]) => store.outbox.add(r);
    const tick = new TickService(config.tick, config.repos, {
      store,
      clock: systemClock,
      journal: { stage: outbox, write: outbox, flush: () => 0 },
      onEnqueued: () => undefined,
    });
    const result = await tick.requestManual();
    ctx.out(`vigil is not running: tick queued${'eventId' in result ? ` as event ${result.eventId}` : ''}; it is decided when vigil starts`);
  } finally {
    store.close();
  }
}

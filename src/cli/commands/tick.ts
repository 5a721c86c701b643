import type { TickOutcome } from '../../tick/index.js';
import { type CliContext } from '../context.js';
import { loadHomeConfig } from '../home-config.js';
import { daemonOrInProcess, withHomeStore } from '../operate.js';

/** `vigil tick`: wake vigil now; the tick is decided even if nothing changed. */
export async function tickCommand(ctx: CliContext): Promise<void> {
  const ran = await daemonOrInProcess<{ outcome: string; eventId?: number }, TickOutcome>(ctx, { method: 'POST', route: '/api/tick' }, async () => {
    // Only when no daemon runs: asking one loads neither the operations nor the store (issue 18).
    const { requestTick } = await import('../../operations/index.js');
    const config = loadHomeConfig(ctx);
    return withHomeStore(ctx, (deps) => requestTick({ ...deps, config }));
  });
  const eventId = 'eventId' in ran.result ? ran.result.eventId : undefined;
  if (ran.inDaemon) return ctx.out(`tick ${ran.result.outcome}${eventId ? ` as event ${eventId}` : ''}`);
  // No daemon: the tick waits in the inbox and is decided when vigil starts. Nothing is lost.
  ctx.out(`vigil is not running: tick queued${eventId !== undefined ? ` as event ${eventId}` : ''}; it is decided when vigil starts`);
}

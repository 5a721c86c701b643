import os from 'node:os';
import { readDaemonInfo } from '../../home/index.js';
import type { TeamTickRequested } from '../../operations/index.js';
import type { TickOutcome } from '../../tick/index.js';
import { requireHome, type CliContext } from '../context.js';
import { loadHomeConfig } from '../home-config.js';
import { daemonOrInProcess, withHomeStore } from '../operate.js';
import { teamStoreUrl } from '../team-home.js';

/** `vigil tick`: wake vigil now; the tick is decided even if nothing changed. */
export async function tickCommand(ctx: CliContext): Promise<void> {
  requireHome(ctx);
  const team = await teamStoreUrl(ctx);
  if (team) {
    // A node running on this home takes it, with its open-work digest (read through its
    // worker); else straight into the team's database, without one (the CLI holds no
    // GitHub credential). Either way any node decides it; the line goes to this home's
    // node's chain, else the host's.
    const ran = await daemonOrInProcess<TeamTickRequested, TeamTickRequested>(ctx, { method: 'POST', route: '/api/tick' }, async () => {
      const node = readDaemonInfo(ctx.paths.daemon)?.node ?? os.hostname();
      const { requestTeamTick } = await import('../../operations/index.js');
      return requestTeamTick(team, node, loadHomeConfig(ctx));
    });
    const { outcome, eventId, openWork } = ran.result;
    const digest = !ran.inDaemon
      ? ' (no node runs here: without the open-work digest)'
      : openWork === 'read'
        ? ' with the open-work digest'
        : openWork === 'failed'
          ? ' (the open-work digest could not be read: see vigil log)'
          : '';
    return ctx.out(`tick ${outcome} as event ${eventId}${digest}; any node of the team decides it`);
  }
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

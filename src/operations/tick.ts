import type { Config } from '../config/index.js';
import { TickService, type OpenWorkSource, type TickOutcome } from '../tick/index.js';
import type { OperationDeps } from './deps.js';

export interface TickDeps extends OperationDeps {
  config: Pick<Config, 'tick' | 'repos'>;
  /** The daemon wakes its decision loop; without a daemon the tick waits in the inbox for the next start. */
  onEnqueued?: () => void;
  /** The daemon's open-work digest (issue 15); the CLI without a daemon has no worker to ask. */
  openWork?: OpenWorkSource | undefined;
}

/**
 * `vigil tick` and `POST /api/tick`: the owner asked, so a tick event is enqueued even
 * when nothing moved since the last decided tick. The scheduled ticks stay with the
 * daemon's own TickService; this one is made for the single request.
 */
export function requestTick(deps: TickDeps): Promise<TickOutcome> {
  const { store, clock, journal, config } = deps;
  const tick = new TickService(config.tick, config.repos, {
    store,
    clock,
    journal,
    onEnqueued: deps.onEnqueued ?? (() => undefined),
    ...(deps.openWork ? { openWork: deps.openWork } : {}),
  });
  return tick.requestManual();
}

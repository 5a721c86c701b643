import type { Config } from '../config/index.js';
import type { Store } from '../store/index.js';
import { LAST_TICK_KEY } from '../tick/index.js';
import type { WorkerStatus } from './supervisor.js';

export interface StatusInput {
  store: Store;
  config: Readonly<Config>;
  now: number;
  daemon?: { pid: number; url: string; startedAt: number; version: string };
  worker?: WorkerStatus;
  nextTick?: Date | null;
}

/** One shape for `GET /api/status` and for `vigil status` when no daemon runs. */
export function statusReport(input: StatusInput): Record<string, unknown> {
  const { store, config, now, daemon } = input;
  const lastTick = store.kv.get<{ at: number; outcome: string }>(LAST_TICK_KEY);
  const iso = (ms: number | undefined | null) => (ms === undefined || ms === null ? null : new Date(ms).toISOString());
  return {
    status: daemon ? 'running' : 'stopped',
    ...(daemon
      ? {
          pid: daemon.pid,
          version: daemon.version,
          url: daemon.url,
          startedAt: iso(daemon.startedAt),
          uptimeSeconds: Math.round((now - daemon.startedAt) / 1000),
        }
      : {}),
    mode: config.permissions.mode,
    provider: config.model.provider,
    schedule: config.tick.schedule,
    queueDepth: store.inbox.depth(),
    pendingApprovals: store.actions.countInState('awaiting_approval'),
    actions: {
      approved: store.actions.countInState('approved'),
      running: store.actions.countInState('running'),
    },
    lastTick: lastTick ? { at: iso(lastTick.at), outcome: lastTick.outcome } : null,
    nextTick: input.nextTick ? input.nextTick.toISOString() : null,
    ...(input.worker ? { worker: input.worker } : {}),
  };
}

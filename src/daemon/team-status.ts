/**
 * `GET /api/status` on a node (issue 19): the single daemon's report, for this node — its
 * pid and address, its worker, its model's circuit, the schedule's next tick, its own
 * refused deliveries up to this moment — with the team's state from the database
 * (status.ts teamStatusReport, the shape `vigil status --json` prints on a team's home).
 */
import type { Clock } from '../clock.js';
import type { Config } from '../config/index.js';
import type { CircuitStatus } from '../model/index.js';
import { cronNextRun } from '../cron.js';
import type { PgStore, WebhookRejectionLog } from '../store/index.js';
import { teamStatusReport } from './status.js';
import type { WorkerStatus } from './worker-supervisor.js';

export interface NodeStatusDeps {
  store: PgStore;
  clock: Clock;
  config: () => Readonly<Config>;
  daemon: () => { pid: number; url: string; startedAt: number; version: string };
  worker: () => WorkerStatus | undefined;
  circuit: () => CircuitStatus | undefined;
  rejections: () => WebhookRejectionLog | undefined;
}

export async function nodeStatus(deps: NodeStatusDeps): Promise<Record<string, unknown>> {
  const { store, clock } = deps;
  const config = deps.config();
  const now = clock.now();
  const worker = deps.worker();
  const circuit = deps.circuit();
  const ownRejections = deps.rejections();
  return teamStatusReport({
    team: await store.status(now),
    config,
    now,
    node: store.node,
    daemon: deps.daemon(),
    // The schedule's next second, whichever node holds the tick role then (team-ticks.ts).
    nextTick: cronNextRun(config.tick.schedule, config.tick.timezone, new Date(now)),
    ...(worker ? { worker } : {}),
    ...(circuit ? { circuit } : {}),
    ...(ownRejections ? { ownRejections } : {}),
  });
}

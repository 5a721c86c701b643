import type { Config } from '../config/index.js';
import { localDate } from '../clock.js';
import { isoWithOffset } from '../for-people.js';
import { DEFAULT_ANTHROPIC_MODEL, usageReport, type CircuitStatus } from '../model/index.js';
import { reachReport } from '../notify/index.js';
import type { Store } from '../store/index.js';
import { LAST_TICK_KEY } from '../tick/index.js';
import { likelyCause, REJECTIONS_HOUR_MS, summarizeRejections, type RejectionSummary } from '../triggers/index.js';
import type { WorkerStatus } from './worker-supervisor.js';

export interface StatusInput {
  store: Store;
  config: Readonly<Config>;
  now: number;
  daemon?: { pid: number; url: string; startedAt: number; version: string };
  worker?: WorkerStatus;
  nextTick?: Date | null;
  /** The model's circuit breaker, as the running daemon sees it. */
  circuit?: CircuitStatus;
  /** The running daemon's count of refused deliveries in the last hour, up to this moment. */
  rejections?: RejectionSummary;
}

/** One shape for `GET /api/status` and for `vigil status` when no daemon runs. */
export function statusReport(input: StatusInput): Record<string, unknown> {
  const { store, config, now, daemon } = input;
  const lastTick = store.kv.get(LAST_TICK_KEY);
  // For machines, ISO-8601 with the local offset: the same instant, and the owner's wall clock (issue 16).
  const iso = (ms: number | undefined | null) => (ms === undefined || ms === null ? null : isoWithOffset(ms));
  const dream = store.kv.get('dream.state');
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
    nextTick: input.nextTick ? iso(input.nextTick.getTime()) : null,
    lastDream: dream?.lastDreamAt || dream?.lastFailedAt
      ? { at: iso(dream.lastDreamAt), ...(dream.lastFailedAt ? { failedAt: iso(dream.lastFailedAt), failure: dream.lastFailure ?? null } : {}) }
      : null,
    ...(input.worker ? { worker: input.worker } : {}),
    rejectedDeliveries: rejectedDeliveries(input),
    model: modelStatus(input),
    // Which channels reach the owner: configured, and not failing at their last send (issue 16).
    reach: reachReport(config, store.pushSubscriptions.subscriptionCount(), store.kv),
  };
}

/**
 * Webhook deliveries refused in the last hour (issue 20): from the running daemon, or as
 * it last saved them (at most a minute behind). By path and reason only when there are any.
 */
function rejectedDeliveries({ store, now, rejections }: StatusInput): Record<string, unknown> {
  const summary = rejections ?? summarizeRejections(store.kv.get('webhook.rejections'), now, REJECTIONS_HOUR_MS);
  if (summary.total === 0) return { lastHour: 0 };
  const nonEmpty = (counts: object) => (Object.keys(counts).length ? counts : undefined);
  return { lastHour: summary.total, direct: nonEmpty(summary.direct), proxy: nonEmpty(summary.proxy), cause: likelyCause(summary) };
}

/**
 * Which model serves ticks and events, the circuit (only a running daemon has one),
 * and today's tokens and estimated cost per model and per purpose: decisions (`event`,
 * `tick`), agent tasks (`agent`), dreams (`dream`).
 */
function modelStatus({ store, config, now, circuit }: StatusInput): Record<string, unknown> {
  const { provider, model, tickModel, eventModel } = config.model;
  const fallback = model ?? (provider === 'anthropic' ? DEFAULT_ANTHROPIC_MODEL : undefined);
  return {
    provider,
    ...(provider === 'rules' ? {} : { tickModel: tickModel ?? fallback, eventModel: eventModel ?? fallback }),
    ...(circuit ? { circuit } : {}),
    today: usageReport(localDate(now), store.usage.totals(localDate(now)), config.model),
  };
}

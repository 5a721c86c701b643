import type { Config } from '../config/index.js';
import { localDate } from '../clock.js';
import { isoWithOffset } from '../for-people.js';
import { DEFAULT_ANTHROPIC_MODEL, usageReport, type CircuitStatus } from '../model/index.js';
import { reachReport } from '../notify/index.js';
import type { Store, TeamStatus, WebhookRejectionLog } from '../store/index.js';
import { LAST_TICK_KEY } from '../tick/index.js';
import { likelyCause, mergeRejectionLogs, REJECTIONS_HOUR_MS, summarizeRejections, type RejectionSummary } from '../triggers/index.js';
import type { WorkerStatus } from './worker-supervisor.js';

/** What only a running daemon (or node) knows: itself, its worker, its schedule, its circuit. */
export interface LiveStatus {
  daemon?: { pid: number; url: string; startedAt: number; version: string };
  worker?: WorkerStatus;
  nextTick?: Date | null;
  /** The model's circuit breaker, as the running daemon sees it. */
  circuit?: CircuitStatus;
}

export interface StatusInput extends LiveStatus {
  store: Store;
  config: Readonly<Config>;
  now: number;
  /** The running daemon's count of refused deliveries in the last hour, up to this moment. */
  rejections?: RejectionSummary;
}

/**
 * What the report says, read from either store: the single daemon's vigil.db, or a
 * team's database (teamStatusReport). One shape from here on, so `vigil status` reads
 * the same keys on both.
 */
interface StatusFacts {
  queueDepth: number;
  pendingApprovals: number;
  approved: number;
  running: number;
  lastTick: { at: number; outcome: string } | undefined;
  dream: { lastDreamAt?: number | null; lastFailedAt?: number | null; lastFailure?: string | null } | undefined;
  /** Refused deliveries in the last hour. */
  rejections: RejectionSummary;
  usageToday: Parameters<typeof usageReport>[1];
  reach: ReturnType<typeof reachReport>;
}

/** One shape for `GET /api/status` and for `vigil status` when no daemon runs. */
export function statusReport(input: StatusInput): Record<string, unknown> {
  const { store, config, now } = input;
  const lastTick = store.kv.get(LAST_TICK_KEY);
  return shapeReport(config, now, input, {
    queueDepth: store.inbox.depth(),
    pendingApprovals: store.actions.countInState('awaiting_approval'),
    approved: store.actions.countInState('approved'),
    running: store.actions.countInState('running'),
    lastTick: lastTick ? { at: lastTick.at, outcome: lastTick.outcome } : undefined,
    dream: store.kv.get('dream.state'),
    // From the running daemon, or as it last saved them (at most a minute behind).
    rejections: input.rejections ?? summarizeRejections(store.kv.get('webhook.rejections'), now, REJECTIONS_HOUR_MS),
    usageToday: store.usage.totals(localDate(now)),
    // Which channels reach the owner: configured, and not failing at their last send (issue 16).
    reach: reachReport(config, store.pushSubscriptions.subscriptionCount(), store.kv.get('notify.channels.last')),
  });
}

export interface TeamStatusInput extends LiveStatus {
  team: TeamStatus;
  config: Readonly<Config>;
  now: number;
  /** This home's node, when one runs on it. */
  node: string | null;
  /** The running node's own refusals, up to this moment: they stand for its saved row (saved at each line). */
  ownRejections?: WebhookRejectionLog;
}

/**
 * A team on PostgreSQL (issue 19): the single daemon's report — for this home's node
 * when it runs (`GET /api/status` on the node), from the database when none does — and
 * the team's own keys beside it: the nodes, who holds each role, the shared inbox and
 * actions by state (`actions` keeps `approved` and `running`, as the single daemon's),
 * today's calls of every node, the browsers web push reaches.
 */
export function teamStatusReport(input: TeamStatusInput): Record<string, unknown> {
  const { team, config, now, node, ownRejections } = input;
  const saved = team.rejections.filter((r) => !ownRejections || r.node !== node).map((r) => r.log);
  const facts: StatusFacts = {
    queueDepth: (team.inbox.pending ?? 0) + (team.inbox.claimed ?? 0),
    pendingApprovals: team.actions.awaiting_approval ?? 0,
    approved: team.actions.approved ?? 0,
    running: team.actions.running ?? 0,
    lastTick: team.lastTick,
    dream: team.dream,
    // Every node's refusals: each counts what reached its own route.
    rejections: summarizeRejections(mergeRejectionLogs(ownRejections ? [...saved, ownRejections] : saved), now, REJECTIONS_HOUR_MS),
    usageToday: team.usageToday,
    // Each channel's last outcome, whichever node's worker sent.
    reach: reachReport(config, team.pushSubscriptions, team.channels),
  };
  const report = shapeReport(config, now, input, facts);
  return {
    ...report,
    store: 'postgres',
    node,
    nodes: team.nodes,
    roles: team.roles,
    inbox: team.inbox,
    actions: { ...team.actions, approved: facts.approved, running: facts.running },
    usageToday: team.usageToday,
    pushSubscriptions: team.pushSubscriptions,
  };
}

function shapeReport(config: Readonly<Config>, now: number, live: LiveStatus, facts: StatusFacts): Record<string, unknown> {
  const { daemon } = live;
  // For machines, ISO-8601 with the local offset: the same instant, and the owner's wall clock (issue 16).
  const iso = (ms: number | undefined | null) => (ms === undefined || ms === null ? null : isoWithOffset(ms));
  const { lastTick, dream } = facts;
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
    queueDepth: facts.queueDepth,
    pendingApprovals: facts.pendingApprovals,
    actions: { approved: facts.approved, running: facts.running },
    lastTick: lastTick ? { at: iso(lastTick.at), outcome: lastTick.outcome } : null,
    nextTick: live.nextTick ? iso(live.nextTick.getTime()) : null,
    lastDream: dream?.lastDreamAt || dream?.lastFailedAt
      ? { at: iso(dream.lastDreamAt), ...(dream.lastFailedAt ? { failedAt: iso(dream.lastFailedAt), failure: dream.lastFailure ?? null } : {}) }
      : null,
    ...(live.worker ? { worker: live.worker } : {}),
    rejectedDeliveries: rejectedDeliveries(facts.rejections),
    model: modelStatus(config, now, live.circuit, facts.usageToday),
    reach: facts.reach,
  };
}

/**
 * Webhook deliveries refused in the last hour (issue 20). By path and reason only when
 * there are any.
 */
function rejectedDeliveries(summary: RejectionSummary): Record<string, unknown> {
  if (summary.total === 0) return { lastHour: 0 };
  const nonEmpty = (counts: object) => (Object.keys(counts).length ? counts : undefined);
  return { lastHour: summary.total, direct: nonEmpty(summary.direct), proxy: nonEmpty(summary.proxy), cause: likelyCause(summary) };
}

/**
 * Which model serves ticks and events, the circuit (only a running daemon has one),
 * and today's tokens and estimated cost per model and per purpose: decisions (`event`,
 * `tick`), agent tasks (`agent`), dreams (`dream`).
 */
function modelStatus(config: Readonly<Config>, now: number, circuit: CircuitStatus | undefined, usageToday: StatusFacts['usageToday']): Record<string, unknown> {
  const { provider, model, tickModel, eventModel } = config.model;
  const fallback = model ?? (provider === 'anthropic' ? DEFAULT_ANTHROPIC_MODEL : undefined);
  return {
    provider,
    ...(provider === 'rules' ? {} : { tickModel: tickModel ?? fallback, eventModel: eventModel ?? fallback }),
    ...(circuit ? { circuit } : {}),
    today: usageReport(localDate(now), usageToday, config.model),
  };
}

import { localDate } from '../clock.js';
import { refusedDeliveriesText } from '../for-people.js';
import { logFilePath, readLastEntries, renderEntry, type LogEntry } from '../logs/index.js';
import { describeAction } from '../notify/index.js';
import type { ActionRecord } from '../store/index.js';
import type { WebDeps } from './types.js';

export interface TimelineItem {
  ts: string;
  type: string;
  text: string;
}

export interface ApprovalItem {
  id: string;
  action: string;
  summary: string;
  rationale: string;
  expiresAt: string | null;
}

/**
 * What one dashboard load reads of today's log: the newest entries the page shows, from
 * at most the last few megabytes; an entry longer than a line cap is left to `vigil log`.
 */
const TIMELINE = { count: 300, maxBytes: 4 * 1024 * 1024, maxLineBytes: 256 * 1024 };

/** One log entry as the timeline shows it (and the SSE stream sends it). */
export function timelineItem(entry: LogEntry): TimelineItem {
  return { ts: entry.ts, type: entry.type, text: renderEntry(entry) };
}

/** Today's newest entries, newest first; the cost of a load does not grow with the day's log. */
export function todaysTimeline(deps: Pick<WebDeps, 'logsDir' | 'clock'>): TimelineItem[] {
  const file = logFilePath(deps.logsDir, localDate(deps.clock.now()));
  return readLastEntries(file, TIMELINE).reverse().map(timelineItem);
}

export function approvalItem(action: Pick<ActionRecord, 'id' | 'action' | 'params' | 'rationale' | 'expiresAt'>): ApprovalItem {
  return {
    id: action.id,
    action: action.action,
    summary: describeAction(action),
    rationale: action.rationale,
    expiresAt: action.expiresAt === null ? null : new Date(action.expiresAt).toISOString(),
  };
}

export const STATUS_LABELS = {
  uptime: 'Up for',
  queue: 'Queue',
  approvals: 'Waiting for you',
  lastTick: 'Last tick',
  lastDream: 'Last dream',
  tokensToday: 'Tokens today',
  circuit: 'Model circuit',
  mode: 'Mode',
  worker: 'Worker',
  reach: 'Reaches you via',
  rejected: 'Refused deliveries (1 h)',
} as const;

export type StatusView = Record<keyof typeof STATUS_LABELS, string>;

/** `/api/status` made readable: each value is what the dashboard shows, as text. */
export function statusView(deps: Pick<WebDeps, 'status' | 'store' | 'clock'>): StatusView {
  return statusViewOf(deps.status(), deps.clock.now(), () => deps.store.kv.get('dream.state')?.lastDreamAt);
}

/** A status report (`GET /api/status`'s, a single daemon's or a team node's) as the dashboard shows it; `lastDreamAt`: where else a dream's time is kept. */
export function statusViewOf(s: Record<string, unknown>, now: number, lastDreamAt: () => unknown = () => undefined): StatusView {
  const provider = at(s, 'model', 'provider') ?? at(s, 'provider');
  const models = (at(s, 'model', 'today', 'models') ?? []) as { inputTokens?: number; outputTokens?: number }[];
  const tokens = models.reduce((n, m) => n + (m.inputTokens ?? 0) + (m.outputTokens ?? 0), 0);
  const cost = Number(at(s, 'model', 'today', 'estimatedCostUsd') ?? 0);
  const dreamAt = at(s, 'lastDream', 'at') ?? lastDreamAt();
  const lastTickAt = at(s, 'lastTick', 'at');
  const uptime = at(s, 'uptimeSeconds');
  return {
    uptime: typeof uptime === 'number' ? duration(uptime) : '—',
    queue: String(at(s, 'queueDepth') ?? '—'),
    approvals: String(at(s, 'pendingApprovals') ?? '—'),
    lastTick: lastTickAt ? `${when(Date.parse(String(lastTickAt)), now)} (${String(at(s, 'lastTick', 'outcome'))})` : 'none yet',
    lastDream: dreamAt ? when(typeof dreamAt === 'number' ? dreamAt : Date.parse(String(dreamAt)), now) : 'none yet',
    tokensToday:
      provider === 'rules' && tokens === 0 ? '0 (rules, offline)' : `${tokens.toLocaleString('en')}${cost > 0 ? ` (≈ $${cost.toFixed(2)})` : ''}`,
    circuit: String(at(s, 'model', 'circuit', 'state') ?? (provider === 'rules' ? 'n/a (rules)' : 'closed')),
    mode: `${String(at(s, 'mode') ?? '—')} · ${String(provider ?? '—')}`,
    worker: String(at(s, 'worker', 'state') ?? '—'),
    reach: String(at(s, 'reach', 'summary') ?? '—'),
    rejected: refusedDeliveriesText(at(s, 'rejectedDeliveries')),
  };
}

/** A value deep in the status report, which other rooms extend over time; undefined when absent. */
function at(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current ?? undefined;
}

function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} days`;
}

function when(ms: number, now: number): string {
  if (!Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  const time = d.toTimeString().slice(0, 5);
  return localDate(ms) === localDate(now) ? time : `${localDate(ms)} ${time}`;
}

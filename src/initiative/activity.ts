import { listLogDates, logFilePath, readLastEntries, type LogEntry } from '../logs/index.js';

/**
 * What vigil did lately, one short line each, for the prompt's dynamic part: enough
 * for the model not to repeat itself (the same comment twice, a label already asked
 * for), and short, because every call pays for it uncached.
 */
const DEFAULT_LIMIT = 8;
/** How far back one file is read: its newest entries of any type, from its last 64 KB. */
const TAIL = { count: 400, maxBytes: 64 * 1024, maxLineBytes: 64 * 1024 };
const MAX_TEXT = 120;

type Line = (e: LogEntry) => string;

const LINES: Record<string, Line> = {
  'decision.made': (e) => {
    const proposals = (e.proposals as { action: string }[] | undefined) ?? [];
    const proposed = e.act && proposals.length ? ` → ${proposals.map((p) => p.action).join(', ')}` : '';
    return `decided ${String(e.kind)}: ${clip(e.summary)}${proposed}`;
  },
  'action.denied': (e) => `${String(e.action)} denied (${clip(e.reason)})`,
  'action.succeeded': (e) => `${String(e.action)} done`,
  'action.failed': (e) => `${String(e.action)} failed (${clip(e.error)})`,
  'approval.requested': (e) => `${String(e.action)} awaits the owner (approval ${String(e.actionId)})`,
  'approval.granted': (e) => `${String(e.action)} approved by the owner`,
  'approval.denied': (e) => `${String(e.action)} denied by the owner`,
  'approval.expired': (e) => `${String(e.action)} expired unanswered`,
  'reminder.due': (e) => `reminder due: ${clip(e.note)}`,
};

/** The last `limit` activity lines of the newest daily logs, oldest first. Reads only each file's tail. */
export function recentActivity(logsDir: string, limit = DEFAULT_LIMIT): string[] {
  const lines: string[] = [];
  for (const date of listLogDates(logsDir).reverse().slice(0, 2)) {
    const entries = readLastEntries(logFilePath(logsDir, date), TAIL).filter((e) => e.type in LINES);
    lines.unshift(...entries.slice(-(limit - lines.length)).map((e) => `${clock(e.ts)} ${LINES[e.type]!(e)}`));
    if (lines.length >= limit) break;
  }
  return lines;
}

function clip(value: unknown): string {
  const text = String(value ?? '').replace(/\s+/g, ' ').trim();
  return text.length <= MAX_TEXT ? text : `${text.slice(0, MAX_TEXT - 1)}…`;
}

/** HH:MM local, as `vigil log` shows it. */
function clock(ts: string): string {
  const d = new Date(ts);
  const pad = (n: number) => String(n).padStart(2, '0');
  return Number.isNaN(d.getTime()) ? '??:??' : `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

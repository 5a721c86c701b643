import fs from 'node:fs';
import { listLogDates, logFilePath, type LogEntry } from '../logs/index.js';

/**
 * What vigil did lately, one short line each, for the prompt's dynamic part: enough
 * for the model not to repeat itself (the same comment twice, a label already asked
 * for), and short, because every call pays for it uncached.
 */
const DEFAULT_LIMIT = 8;
const TAIL_BYTES = 64 * 1024;
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
    const entries = tailEntries(logFilePath(logsDir, date)).filter((e) => e.type in LINES);
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

function tailEntries(file: string): LogEntry[] {
  let text: string;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const start = Math.max(0, size - TAIL_BYTES);
      const buffer = Buffer.alloc(size - start);
      fs.readSync(fd, buffer, 0, buffer.length, start);
      text = buffer.toString('utf8');
      // The first line of a window that starts mid-file is a fragment.
      if (start > 0) text = text.slice(text.indexOf('\n') + 1);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return [];
  }
  return text.split('\n').flatMap((line) => {
    try {
      return line ? [JSON.parse(line) as LogEntry] : [];
    } catch {
      return [];
    }
  });
}

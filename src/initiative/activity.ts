import fs from 'node:fs';
import { listLogDates, logFilePath, renderEntry, type LogEntry } from '../logs/index.js';

/** What vigil did lately, as the prompt's "recent activity": decisions, actions and approvals. */
const ACTIVITY_TYPES = new Set([
  'decision.made',
  'action.denied',
  'action.succeeded',
  'action.failed',
  'approval.requested',
  'approval.granted',
  'approval.denied',
  'approval.expired',
  'reminder.due',
]);
/** Bookkeeping a model does not need: it would only cost tokens. */
const HIDDEN_FIELDS = ['pid', 'oid', 'usage', 'prev', 'hash'];
const TAIL_BYTES = 64 * 1024;
const DEFAULT_LIMIT = 12;

/**
 * The last `limit` activity lines of the newest daily logs, oldest first, as `vigil log`
 * renders them. Reads only the tail of each file: a busy day's log can be large.
 */
export function recentActivity(logsDir: string, limit = DEFAULT_LIMIT): string[] {
  const lines: string[] = [];
  for (const date of listLogDates(logsDir).reverse().slice(0, 2)) {
    const entries = tailEntries(logFilePath(logsDir, date)).filter((e) => ACTIVITY_TYPES.has(e.type));
    lines.unshift(...entries.slice(-(limit - lines.length)).map(renderActivity));
    if (lines.length >= limit) break;
  }
  return lines;
}

function renderActivity(entry: LogEntry): string {
  const shown = { ...entry };
  for (const key of HIDDEN_FIELDS) delete shown[key];
  return renderEntry(shown as LogEntry);
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

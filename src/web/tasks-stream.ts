import type { FastifyReply, FastifyRequest } from 'fastify';
import { localDate } from '../clock.js';
import { logFilePath, readLastEntries, type LogEntry } from '../logs/index.js';
import { ownerOf } from './auth.js';
import { openEventStream } from './sse.js';
import { taskHtml } from './tasks-page.js';
import { tasksView, type TaskView } from './tasks.js';
import type { WebDeps } from './types.js';

/** How often a running task's figures are read again: its transcript grows between log records. */
const TASKS_POLL_MS = 1000;
const DAY_MS = 86_400_000;

/** The newest dream record of today's log, else yesterday's (a dream often runs overnight). */
export function lastDreamRecord(deps: Pick<WebDeps, 'logsDir' | 'clock'>): LogEntry | undefined {
  const now = deps.clock.now();
  for (const day of [localDate(now), localDate(now - DAY_MS)]) {
    const entries = readLastEntries(logFilePath(deps.logsDir, day), { count: 600, maxBytes: 4 * 1024 * 1024, maxLineBytes: 256 * 1024 });
    const last = [...entries].reverse().find((e) => e.type.startsWith('dream.'));
    if (last) return last;
  }
  return undefined;
}

/** What the page's list shows now: each card's HTML (with this session's CSRF token in its Cancel form). */
export function tasksPayload(deps: WebDeps, csrf: string): { tasks: { id: string; state: string; html: string }[] } {
  return tasksPayloadOf(tasksView(deps), csrf);
}

/** The list as the page's script draws it, the single daemon's tasks or a team's. */
export function tasksPayloadOf(tasks: TaskView[], csrf: string): { tasks: { id: string; state: string; html: string }[] } {
  return { tasks: tasks.map((t) => ({ id: t.id, state: t.state, html: taskHtml(t, csrf) })) };
}

/**
 * The Tasks page's live figures as server-sent events: the list again whenever it changed
 * (elapsed time, turns, tokens, tool calls, the end), checked each second. The transcript
 * the worker appends is the source; the stream only reads.
 */
export function streamTasks(deps: WebDeps, req: FastifyRequest, reply: FastifyReply): void {
  const owner = ownerOf(req);
  const csrf = owner?.via === 'session' ? owner.session.csrf : '';
  const res = openEventStream(reply);
  let last = '';
  const send = () => {
    const data = JSON.stringify(tasksPayload(deps, csrf));
    if (data !== last) res.write(`event: tasks\ndata: ${data}\n\n`);
    else res.write(': same\n\n');
    last = data;
  };
  const timer = setInterval(() => {
    try {
      send();
    } catch {
      stop();
    }
  }, TASKS_POLL_MS);
  timer.unref();
  const stop = () => {
    clearInterval(timer);
    res.end();
  };
  req.raw.once('close', stop);
  res.once('close', () => clearInterval(timer));
}

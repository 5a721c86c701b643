import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { localDate } from '../clock.js';
import { isVigilError, VigilError } from '../errors.js';
import { askBox } from './ask-box.js';
import { tasksPage, transcriptPage } from './tasks-page.js';
import { lastDreamRecord } from './tasks-stream.js';
import { readTranscript, taskView, tasksView } from './tasks.js';
import { listLogDates } from '../logs/index.js';
import { ownerOf, pageAuth } from './auth.js';
import { approvalItem, statusView } from './dashboard.js';
import { memoryView } from './memory.js';
import { dashboardPage } from './pages.js';
import { MEMORY_REFUSALS, memoryNotice, memoryPage } from './memory-page.js';
import { findLogRecord, logRecordPage } from './log-record-page.js';
import { activityPage } from './activity-page.js';
import { chartsData } from './charts.js';
import { logStatsOf } from './log-stats.js';
import { timelineSection } from './thread-html.js';
import { dayOf, dayTimeline, filtersOf } from './timeline.js';
import type { WebDeps } from './types.js';

/** How long the form waits for vigil's answer before showing the page anyway. */
const ASK_FORM_WAIT_MS = 60_000;

function csrfOf(req: FastifyRequest): string {
  const owner = ownerOf(req);
  return owner?.via === 'session' ? owner.session.csrf : '';
}

function html(reply: FastifyReply, page: string): FastifyReply {
  return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page);
}

/** The dashboard's pages, server-rendered; each needs a logged-in browser. (The push page is push-routes.ts'.) */
export async function pageRoutes(app: FastifyInstance, deps: WebDeps): Promise<void> {
  app.addHook('preHandler', pageAuth(deps));

  // `?day=YYYY-MM-DD&repo=&kind=&outcome=`: the timeline of any day with a log, filtered.
  app.get<{ Querystring: Record<string, unknown> }>('/', async (req, reply) => {
    const now = deps.clock.now();
    const filters = filtersOf(req.query);
    const view = dayTimeline(deps, dayOf(req.query.day, now), filters);
    return html(
      reply,
      dashboardPage({
        csrf: csrfOf(req),
        status: statusView(deps),
        approvals: deps.approvals().map(approvalItem),
        timeline: timelineSection(view, filters, now),
        ask: askBox(csrfOf(req)),
      }),
    );
  });

  // The Ask box without the script: the answer is awaited, then the page shows its thread.
  // (The script posts to /api/ask instead and shows the answer in place.)
  app.post<{ Body: { text?: unknown } | undefined }>('/ask', async (req, reply) => {
    try {
      const answer = await deps.ask(req.body?.text, 'dashboard', ASK_FORM_WAIT_MS);
      return reply.code(303).header('location', `/#thread-e${answer.eventId}`).send();
    } catch (err) {
      // Not decided yet: it stays in the inbox, and its thread fills in when it is.
      if (isVigilError(err, 'VIGIL_ERR_ASK_TIMEOUT')) return reply.code(303).header('location', '/#timeline').send();
      throw err;
    }
  });

  // The pictures of a day (`?day=YYYY-MM-DD`) and of the last 30 days, from the kept counts.
  app.get<{ Querystring: Record<string, unknown> }>('/activity', async (req, reply) => {
    const now = deps.clock.now();
    await logStatsOf(deps).catchUp();
    const day = dayOf(req.query.day, now);
    const data = chartsData(deps, day);
    return html(reply, activityPage({ csrf: csrfOf(req), data, today: localDate(now), firstDay: listLogDates(deps.logsDir)[0] ?? localDate(now) }));
  });

  app.get<{ Querystring: { q?: string; topic?: string; done?: string } }>('/memory', async (req, reply) => {
    const { q, topic, done } = req.query;
    const view = memoryView({ ...deps, now: deps.clock.now() }, { ...(typeof q === 'string' ? { query: q } : {}), ...(typeof topic === 'string' ? { topic } : {}) });
    const notice = memoryNotice(done);
    return html(reply, memoryPage({ csrf: csrfOf(req), view, ...(notice ? { notice } : {}) }));
  });

  // The owner's edit or deletion of one fact (a form with the CSRF token): the page again, at the fact.
  app.post<{ Body: Record<string, unknown> | undefined }>('/memory/facts', async (req, reply) => {
    const body = req.body ?? {};
    const topic = String(body.topic ?? '');
    const op = body.op === 'delete' ? 'delete' : 'edit';
    try {
      await deps.editMemoryFact({
        topic,
        index: Number(body.index),
        was: String(body.was ?? ''),
        ...(op === 'edit' ? { text: String(body.text ?? '') } : {}),
      });
    } catch (err) {
      if (!isVigilError(err) || !MEMORY_REFUSALS.has(err.code)) throw err;
      // Shown on the page the owner was on, with what holds now.
      const view = memoryView({ ...deps, now: deps.clock.now() }, { topic });
      return html(reply.code(err.httpStatus), memoryPage({ csrf: csrfOf(req), view, notice: `Nothing was written: ${err.message}` }));
    }
    const at = op === 'edit' ? `#fact-${Number(body.index)}` : '#topic';
    return reply.code(303).header('location', `/memory?topic=${encodeURIComponent(topic)}&done=${op}${at}`).send();
  });

  // One log record, as a fact's source or a search hit names it (`log DAY#SEQ`).
  app.get<{ Querystring: { day?: string; seq?: string } }>('/log', async (req, reply) => {
    const { day = '', seq = '' } = req.query;
    const entry = findLogRecord(deps.logsDir, day, seq);
    const page = logRecordPage({ csrf: csrfOf(req), day: String(day), seq: String(seq), entry, githubWebUrl: deps.githubWebUrl, now: deps.clock.now() });
    return html(entry ? reply : reply.code(404), page);
  });

  // An approval card's form without the script: the answer, the owner's reason, then back to the dashboard.
  app.post<{ Params: { id: string }; Body: Record<string, unknown> | undefined }>('/approvals/:id', async (req, reply) => {
    const answer = req.body?.answer;
    if (answer !== 'approve' && answer !== 'deny') throw new VigilError('VIGIL_ERR_USAGE', 'answer is approve or deny', { httpStatus: 400 });
    const reason = typeof req.body?.reason === 'string' ? req.body.reason : undefined;
    // VIGIL_ERR_APPROVAL_NOT_FOUND (404) or VIGIL_ERR_APPROVAL_CLOSED (409) through the error handler.
    deps.answer(req.params.id, answer, 'dashboard', reason);
    return reply.code(303).header('location', '/').header('cache-control', 'no-store').send();
  });

  // Agent tasks with their figures against the budgets (live through /api/tasks/stream), and the dream.
  app.get<{ Querystring: { cancelled?: string } }>('/tasks', async (req, reply) => {
    const now = deps.clock.now();
    const notice = typeof req.query.cancelled === 'string' ? `Asked ${req.query.cancelled} to stop: it ends at its next step.` : undefined;
    return html(reply, tasksPage({ csrf: csrfOf(req), tasks: tasksView(deps), dream: lastDreamRecord(deps), dreamPhase: deps.store.kv.get('dream.phase'), now, ...(notice ? { notice } : {}) }));
  });

  app.get<{ Params: { id: string } }>('/tasks/:id', async (req, reply) => {
    const action = deps.store.actions.get(req.params.id);
    if (!action || action.action !== 'agent.task') throw new VigilError('VIGIL_ERR_NOT_FOUND', req.url);
    const steps = readTranscript(deps.agentDir, action.id, true).steps;
    return html(reply, transcriptPage({ csrf: csrfOf(req), task: taskView(deps, action), steps }));
  });

  // Cancel (a form with the CSRF token): `vigil cancel ID`, then the Tasks page again.
  app.post<{ Params: { id: string } }>('/tasks/:id/cancel', async (req, reply) => {
    await deps.cancel(req.params.id);
    return reply.code(303).header('location', `/tasks?cancelled=${encodeURIComponent(req.params.id)}`).send();
  });
}

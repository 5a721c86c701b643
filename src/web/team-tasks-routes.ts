import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { VigilError } from '../errors.js';
import { apiAuth, ownerOf, pageAuth } from './auth.js';
import type { PageName } from './html.js';
import { openLiveStream } from './sse.js';
import { tasksPage, transcriptPage } from './tasks-page.js';
import { tasksPayloadOf } from './tasks-stream.js';
import { teamDreamView, teamTasksView, teamTaskTranscript, type TeamTasksSource } from './team-tasks.js';
import type { AuthDeps } from './types.js';

/** What a team node's Tasks page needs: the team's tasks and dream, and `vigil cancel` through the team's flag. */
export interface TeamTasksDeps extends AuthDeps, TeamTasksSource {
  /** `vigil cancel ID` (src/operations requestTeamCancel): the flag the running task's worker polls, whichever node it is. */
  cancel(id: string): Promise<void>;
  /** A page's live stream that stopped on the database (the browser reconnects): said in the node's output. */
  streamFailed(err: unknown): void;
  pages: readonly PageName[];
}

/** How often a page's live stream reads the tasks again, as the single daemon's (tasks-stream.ts) reads its transcripts. */
const TASKS_POLL_MS = 1000;

function csrfOf(req: FastifyRequest): string {
  const owner = ownerOf(req);
  return owner?.via === 'session' ? owner.session.csrf : '';
}

function html(reply: FastifyReply, page: string): FastifyReply {
  return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page);
}

/**
 * A team node's `/tasks`, `/tasks/:id` and `POST /tasks/:id/cancel` (a session; the form
 * with its CSRF token), `GET /api/tasks` and `GET /api/tasks/stream` (Bearer or session):
 * the single daemon's routes (page-routes.ts, dashboard-api-routes.ts) and renderers over
 * every node's agent tasks (team-tasks.ts).
 */
export async function teamTasksRoutes(app: FastifyInstance, deps: TeamTasksDeps): Promise<void> {
  app.get<{ Querystring: { cancelled?: unknown } }>('/tasks', { preHandler: pageAuth(deps) }, async (req, reply) => {
    const notice = typeof req.query.cancelled === 'string' ? `Asked ${req.query.cancelled} to stop: it ends at its next step.` : undefined;
    const [tasks, dream] = await Promise.all([teamTasksView(deps), teamDreamView(deps)]);
    return html(reply, tasksPage({ csrf: csrfOf(req), tasks, ...dream, now: deps.clock.now(), pages: deps.pages, ...(notice ? { notice } : {}) }));
  });

  app.get<{ Params: { id: string } }>('/tasks/:id', { preHandler: pageAuth(deps) }, async (req, reply) => {
    const shown = await teamTaskTranscript(deps, req.params.id);
    if (!shown) throw new VigilError('VIGIL_ERR_NOT_FOUND', req.url);
    return html(reply, transcriptPage({ csrf: csrfOf(req), ...shown, pages: deps.pages }));
  });

  // Cancel (a form with the CSRF token): the team's flag, then the Tasks page again.
  app.post<{ Params: { id: string } }>('/tasks/:id/cancel', { preHandler: pageAuth(deps) }, async (req, reply) => {
    await deps.cancel(req.params.id);
    return reply.code(303).header('location', `/tasks?cancelled=${encodeURIComponent(req.params.id)}`).send();
  });

  app.get('/api/tasks', { onRequest: apiAuth(deps) }, async (req) => tasksPayloadOf(await teamTasksView(deps), csrfOf(req)));

  // The list again whenever it changed, read each second; the database away ends the stream (the browser comes back).
  app.get('/api/tasks/stream', { onRequest: apiAuth(deps) }, (req, reply) => {
    const csrf = csrfOf(req);
    const { res, signal, stop } = openLiveStream(req, reply);
    void (async () => {
      let last = '';
      while (!signal.aborted) {
        const data = JSON.stringify(tasksPayloadOf(await teamTasksView(deps), csrf));
        res.write(data !== last ? `event: tasks\ndata: ${data}\n\n` : ': same\n\n');
        last = data;
        await sleep(TASKS_POLL_MS, undefined, { signal, ref: false });
      }
    })()
      .catch((err: unknown) => {
        if (!signal.aborted) deps.streamFailed(err);
      })
      .finally(() => {
        stop();
        res.end();
      });
  });
}

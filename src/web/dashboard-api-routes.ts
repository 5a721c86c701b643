import type { FastifyInstance } from 'fastify';
import { apiAuth, ownerOf } from './auth.js';
import { chartsData } from './charts.js';
import { statusView, todaysTimeline } from './dashboard.js';
import { logStatsOf } from './log-stats.js';
import { streamTimeline } from './sse.js';
import { streamTasks, tasksPayload } from './tasks-stream.js';
import { STATE_WORDS, threadHtml } from './thread-html.js';
import { dayOf, dayTimeline, filtersOf } from './timeline.js';
import type { WebDeps } from './types.js';

/** The dashboard's script's API on the SQLite daemon: a test notification, status, the live timeline, charts and tasks. Bearer or session (+CSRF). */
export async function dashboardApiRoutes(app: FastifyInstance, deps: WebDeps): Promise<void> {
  app.addHook('onRequest', apiAuth(deps));

  // Answers once the worker has tried: which channels delivered, which failed, or that none is configured (issue 16).
  app.post('/api/push/test', async () => {
    const answer = await deps.reach.sendTest();
    return { ...answer, subscriptions: deps.store.pushSubscriptions.subscriptionCount() };
  });

  app.get('/api/dashboard/status', async () => statusView(deps));
  app.get('/api/timeline', async () => todaysTimeline(deps));
  // What the Activity page draws: counts kept up to date from the logs (only what is new is read).
  app.get<{ Querystring: Record<string, unknown> }>('/api/charts', async (req) => {
    await logStatsOf(deps).catchUp();
    return chartsData(deps, dayOf(req.query.day, deps.clock.now()));
  });
  // The timeline's threads (the page's query string): each with its HTML, for live updates in place.
  app.get<{ Querystring: Record<string, unknown> }>('/api/threads', async (req) => {
    const now = deps.clock.now();
    const view = dayTimeline(deps, dayOf(req.query.day, now), filtersOf(req.query));
    return {
      day: view.day,
      threads: view.threads.map((t) => ({ id: t.id, state: t.state, stateWords: STATE_WORDS[t.state], repo: t.repo ?? null, family: t.family, last: t.last, sentences: t.sentences, html: threadHtml(t, now) })),
    };
  });
  app.get('/api/events', (req, reply) => streamTimeline(deps, req, reply));
  // The Tasks page's list (each card's HTML), and the same live whenever it changes.
  app.get('/api/tasks', async (req) => {
    const owner = ownerOf(req);
    return tasksPayload(deps, owner?.via === 'session' ? owner.session.csrf : '');
  });
  app.get('/api/tasks/stream', (req, reply) => streamTasks(deps, req, reply));
}

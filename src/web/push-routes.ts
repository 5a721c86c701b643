import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { VigilError } from '../errors.js';
import { eventRecord } from '../events.js';
import { apiAuth, ownerOf } from './auth.js';
import { streamTasks, tasksPayload } from './tasks-stream.js';
import { statusView, todaysTimeline } from './dashboard.js';
import { streamTimeline } from './sse.js';
import { chartsData } from './charts.js';
import { logStatsOf } from './log-stats.js';
import { STATE_WORDS, threadHtml } from './thread-html.js';
import { dayOf, dayTimeline, filtersOf } from './timeline.js';
import type { WebDeps } from './types.js';

/** base64url of exactly `bytes` bytes (RFC 8291 keys: a P-256 point of 65, an auth secret of 16). */
const base64urlOf = (bytes: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, 'must be base64url')
    .refine((v) => Buffer.from(v, 'base64url').length === bytes, `must decode to ${bytes} bytes`);

/** A browser's PushSubscription.toJSON(). Push services speak HTTPS only. */
export const PushSubscriptionBody = z.object({
  endpoint: z
    .string()
    .url()
    .refine((u) => u.startsWith('https://'), 'must be an https:// URL'),
  expirationTime: z.number().nullable().optional(),
  keys: z.object({ p256dh: base64urlOf(65), auth: base64urlOf(16) }),
});

/** The browser's API: push subscriptions, a test notification, the live timeline. Bearer or session (+CSRF). */
export async function pushRoutes(app: FastifyInstance, deps: WebDeps): Promise<void> {
  app.addHook('onRequest', apiAuth(deps));
  const tables = deps.store.pushSubscriptions;

  app.post('/api/push/subscriptions', async (req, reply) => {
    const parsed = PushSubscriptionBody.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const detail = `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`;
      throw new VigilError('VIGIL_ERR_PUSH_SUBSCRIPTION', detail);
    }
    const { endpoint, keys } = parsed.data;
    const userAgent = req.headers['user-agent'];
    const now = deps.clock.now();
    tables.upsertSubscription({ endpoint, ...keys, ...(userAgent ? { userAgent } : {}) }, now);
    const subscriptions = tables.subscriptionCount();
    deps.record(eventRecord('push.subscribed', { endpoint: new URL(endpoint).origin, subscriptions }, now));
    deps.reach.subscribed();
    return reply.code(201).send({ subscriptions });
  });

  app.delete<{ Body: { endpoint?: unknown } }>('/api/push/subscriptions', async (req) => {
    const endpoint = req.body?.endpoint;
    if (typeof endpoint !== 'string') throw new VigilError('VIGIL_ERR_PUSH_SUBSCRIPTION', 'endpoint: required');
    return { removed: tables.removeSubscription(endpoint) };
  });

  // Answers once the worker has tried: which channels delivered, which failed, or that none is configured (issue 16).
  app.post('/api/push/test', async () => {
    const answer = await deps.reach.sendTest();
    return { ...answer, subscriptions: tables.subscriptionCount() };
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

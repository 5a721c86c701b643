import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ownerOf, pageAuth } from './auth.js';
import { approvalItem, statusView, todaysTimeline } from './dashboard.js';
import { memoryView } from './memory.js';
import { dashboardPage, memoryPage, pushPage } from './pages.js';
import type { WebDeps } from './types.js';

function csrfOf(req: FastifyRequest): string {
  const owner = ownerOf(req);
  return owner?.via === 'session' ? owner.session.csrf : '';
}

function html(reply: FastifyReply, page: string): FastifyReply {
  return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page);
}

/** The dashboard's pages, server-rendered; each needs a logged-in browser. */
export async function pageRoutes(app: FastifyInstance, deps: WebDeps): Promise<void> {
  app.addHook('preHandler', pageAuth(deps));

  app.get('/', async (req, reply) =>
    html(
      reply,
      dashboardPage({
        csrf: csrfOf(req),
        status: statusView(deps),
        approvals: deps.approvals().map(approvalItem),
        timeline: todaysTimeline(deps),
      }),
    ),
  );

  app.get<{ Querystring: { q?: string; topic?: string } }>('/memory', async (req, reply) => {
    const { q, topic } = req.query;
    const view = memoryView(deps, { ...(typeof q === 'string' ? { query: q } : {}), ...(typeof topic === 'string' ? { topic } : {}) });
    return html(reply, memoryPage({ csrf: csrfOf(req), view }));
  });

  app.get('/push', async (req, reply) => {
    const subscriptions = deps.store.pushSubscriptions.subscriptionCount();
    return html(reply, pushPage({ csrf: csrfOf(req), vapidKey: deps.vapidPublicKey(), subscriptions }));
  });
}

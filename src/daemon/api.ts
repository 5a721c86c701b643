import type http from 'node:http';
import type { FastifyInstance } from 'fastify';
import { isVigilError } from '../errors.js';
import { describeAction } from '../notify/index.js';
import type { ActionRecord } from '../store/index.js';
import type { WebhookRouteOptions } from '../triggers/index.js';
import type { WebDeps } from '../web/types.js';
import { answerErrorsAsVigil } from './http-errors.js';

/** What the HTTP API may ask of the daemon; nothing else reaches it. The dashboard's part is `WebDeps`. */
export interface DaemonApi extends WebDeps {
  webhooks: WebhookRouteOptions;
  tick(): Promise<Record<string, unknown>>;
  /** `vigil dream --now`: start a dream in a child process; VIGIL_ERR_DREAM_BUSY while one runs. */
  dream(): { dreamId: string; pid: number };
}

export function approvalView(action: ActionRecord): Record<string, unknown> {
  return {
    id: action.id,
    action: action.action,
    params: action.params,
    summary: describeAction(action),
    rationale: action.rationale,
    reason: action.reason,
    createdAt: new Date(action.createdAt).toISOString(),
    expiresAt: action.expiresAt === null ? null : new Date(action.expiresAt).toISOString(),
  };
}

/**
 * Build the fastify app; fastify, helmet, the rate limiter and the dashboard are
 * imported only when the first request other than /healthz arrives.
 */
export async function buildApiApp(
  api: DaemonApi,
  serverFactory: (handler: (req: http.IncomingMessage, res: http.ServerResponse) => void) => http.Server,
): Promise<FastifyInstance> {
  const [{ default: Fastify }, { githubWebhookRoutes }, web] = await Promise.all([
    import('fastify'),
    import('../triggers/webhooks/route.js'),
    import('../web/index.js'),
  ]);
  // Only with http.trustProxy does a reverse proxy tell the client's address and protocol
  // (login limits, session cookie), and only its own hop: the rest of X-Forwarded-For is
  // whatever the client sent. Without it the socket's peer is the client (issue 12).
  const app = Fastify({ serverFactory, logger: false, bodyLimit: 1 << 20, trustProxy: api.trustProxy ? (_address, hop) => hop < 1 : false });
  // Before any route: every scope inherits the one error body (http-errors.ts).
  answerErrorsAsVigil(app);
  await web.registerSecurity(app);
  app.get('/healthz', async () => ({ status: 'ok' }));
  // Outside the login: a delivery is authenticated by its signature.
  await app.register(githubWebhookRoutes, api.webhooks);
  await app.register(async (scope) => {
    // The CLI's Bearer token, or a logged-in browser's session cookie (with its CSRF token to change anything).
    scope.addHook('onRequest', web.apiAuth(api));
    scope.get('/api/status', async () => api.status());
    scope.post('/api/tick', async (_req, reply) => reply.code(202).send(await api.tick()));
    scope.post('/api/dream', async (_req, reply) => {
      try {
        return await reply.code(202).send(api.dream());
      } catch (err) {
        if (isVigilError(err, 'VIGIL_ERR_DREAM_BUSY')) return reply.code(409).send(err.toJSON());
        throw err;
      }
    });
    scope.get('/api/approvals', async () => api.approvals().map(approvalView));
    scope.post<{ Params: { id: string; answer: string } }>('/api/approvals/:id/:answer', async (req, reply) => {
      const { id, answer } = req.params;
      if (answer !== 'approve' && answer !== 'deny') return reply.code(404).send({ error: 'VIGIL_ERR_USAGE' });
      try {
        const action = api.answer(id, answer, web.channelOf(req));
        return { id: action.id, state: action.state };
      } catch (err) {
        if (isVigilError(err, 'VIGIL_ERR_APPROVAL_NOT_FOUND')) return reply.code(404).send(err.toJSON());
        if (isVigilError(err, 'VIGIL_ERR_APPROVAL_CLOSED')) return reply.code(409).send(err.toJSON());
        throw err;
      }
    });
  });
  // The dashboard: /login, pages, push subscriptions, the live timeline, capability answers.
  await app.register(web.webRoutes, api);
  return app;
}

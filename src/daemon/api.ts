import type http from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { DreamStatus } from '../operations/index.js';
import type { WebDeps } from '../web/index.js';
import { API_ROUTES } from './api-routes.js';
import { answerErrorsAsVigil, frameworkErrorsAsVigil } from './http-errors.js';

/** What the HTTP API may ask of the daemon; nothing else reaches it. The dashboard's part is `WebDeps`. */
export interface DaemonApi extends WebDeps {
  /** `vigil tick` (src/operations/tick.ts). */
  tick(): Promise<Record<string, unknown>>;
  /** `vigil dream --now`: start a dream in a child process; VIGIL_ERR_DREAM_BUSY while one runs (src/operations/dream.ts). */
  dream(): { dreamId: string; pid: number };
  /** `GET /api/dream`: the last dream, the one running, and whether the next is due (src/operations/dream.ts dreamStatus). */
  dreamStatus(): Promise<DreamStatus>;
}

/**
 * Build the fastify app; fastify, helmet, the rate limiter and the dashboard are
 * imported only when the first request other than /healthz arrives.
 */
export async function buildApiApp(
  api: DaemonApi,
  serverFactory: (handler: (req: http.IncomingMessage, res: http.ServerResponse) => void) => http.Server,
): Promise<FastifyInstance> {
  const [{ default: Fastify }, web, { default: helmet }] = await Promise.all([import('fastify'), import('../web/index.js'), import('helmet')]);
  const secureHeaders = helmet(web.HELMET_OPTIONS);
  // Only with http.trustProxy does a reverse proxy tell the client's address and protocol
  // (login limits, session cookie), and only its own hop: the rest of X-Forwarded-For is
  // whatever the client sent. Without it the socket's peer is the client (issue 12).
  const app = Fastify({
    serverFactory,
    logger: false,
    bodyLimit: 1 << 20,
    trustProxy: api.trustProxy ? (_address, hop) => hop < 1 : false,
    // A URL fastify cannot decode: the one error body and the security headers all the same.
    frameworkErrors: frameworkErrorsAsVigil(secureHeaders),
  });
  // Before any route: every scope inherits the one error body (http-errors.ts).
  answerErrorsAsVigil(app);
  await web.registerSecurity(app);
  app.get('/healthz', async () => ({ status: 'ok' }));
  // POST /webhooks/github never reaches the app: HttpFront answers it (src/daemon/http.ts).
  await app.register(async (scope) => {
    // The CLI's Bearer token, or a logged-in browser's session cookie (with its CSRF token to change anything).
    scope.addHook('onRequest', web.apiAuth(api));
    for (const route of API_ROUTES) {
      scope.route<{ Params: Record<string, string>; Querystring: Record<string, unknown> }>({
        method: route.method,
        url: route.path,
        handler: async (req, reply) => {
          const answer = await route.run(api, { params: req.params, query: req.query, body: req.body, channel: web.channelOf(req) });
          return reply.code(route.status).send(answer);
        },
      });
    }
  });
  // The dashboard: /login, pages, push subscriptions, the live timeline, capability answers.
  await app.register(web.webRoutes, api);
  return app;
}

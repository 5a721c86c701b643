import type http from 'node:http';
import type { FastifyInstance } from 'fastify';
import { VigilError } from '../errors.js';
import { approvalView } from '../operations/index.js';
import type { WebDeps } from '../web/index.js';
import { answerErrorsAsVigil } from './http-errors.js';

/** What the HTTP API may ask of the daemon; nothing else reaches it. The dashboard's part is `WebDeps`. */
export interface DaemonApi extends WebDeps {
  /** `vigil tick` (src/operations/tick.ts). */
  tick(): Promise<Record<string, unknown>>;
  /** `vigil dream --now`: start a dream in a child process; VIGIL_ERR_DREAM_BUSY while one runs (src/operations/dream.ts). */
  dream(): { dreamId: string; pid: number };
}

/** How long `POST /api/ask` waits for the decision by default, and at most. */
const ASK_WAIT_SECONDS = 120;
const ASK_MAX_WAIT_SECONDS = 600;
/** Hits one search answers at most (the index ranks its newest 2,000 matches). */
const MAX_SEARCH_LIMIT = 2000;

/**
 * Build the fastify app; fastify, helmet, the rate limiter and the dashboard are
 * imported only when the first request other than /healthz arrives.
 */
export async function buildApiApp(
  api: DaemonApi,
  serverFactory: (handler: (req: http.IncomingMessage, res: http.ServerResponse) => void) => http.Server,
): Promise<FastifyInstance> {
  const [{ default: Fastify }, web] = await Promise.all([import('fastify'), import('../web/index.js')]);
  // Only with http.trustProxy does a reverse proxy tell the client's address and protocol
  // (login limits, session cookie), and only its own hop: the rest of X-Forwarded-For is
  // whatever the client sent. Without it the socket's peer is the client (issue 12).
  const app = Fastify({ serverFactory, logger: false, bodyLimit: 1 << 20, trustProxy: api.trustProxy ? (_address, hop) => hop < 1 : false });
  // Before any route: every scope inherits the one error body (http-errors.ts).
  answerErrorsAsVigil(app);
  await web.registerSecurity(app);
  app.get('/healthz', async () => ({ status: 'ok' }));
  // POST /webhooks/github never reaches the app: HttpFront answers it (src/daemon/http.ts).
  await app.register(async (scope) => {
    // The CLI's Bearer token, or a logged-in browser's session cookie (with its CSRF token to change anything).
    scope.addHook('onRequest', web.apiAuth(api));
    scope.get('/api/status', async () => api.status());
    scope.post('/api/tick', async (_req, reply) => reply.code(202).send(await api.tick()));
    // A dream already running anywhere on the home is VIGIL_ERR_DREAM_BUSY (409), through the error handler.
    scope.post('/api/dream', async (_req, reply) => reply.code(202).send(api.dream()));
    scope.get('/api/approvals', async () => api.approvals().map(approvalView));
    // `vigil memory search` while the daemon runs: its store is open and warm. `complete`
    // false: the index had more to catch up than a request may spend on the loop, and the
    // CLI indexes the rest in its own process.
    scope.get<{ Querystring: { q?: unknown; limit?: unknown } }>('/api/memory/search', async (req) => {
      const query = typeof req.query.q === 'string' ? req.query.q.trim() : '';
      if (!query) throw new VigilError('VIGIL_ERR_USAGE', 'q: the words to search for');
      const limit = req.query.limit === undefined ? 20 : Number(req.query.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) throw new VigilError('VIGIL_ERR_USAGE', `limit: a whole number from 1 to ${MAX_SEARCH_LIMIT}`);
      return web.searchLogs(api, query, { limit });
    });
    scope.post<{ Params: { id: string; answer: string }; Body: { reason?: unknown } | undefined }>('/api/approvals/:id/:answer', async (req) => {
      const { id, answer } = req.params;
      if (answer !== 'approve' && answer !== 'deny') throw new VigilError('VIGIL_ERR_NOT_FOUND', req.url);
      // The owner's words with the answer (`vigil deny ID --reason …`): kept one line, capped and redacted.
      const reason = typeof req.body?.reason === 'string' ? req.body.reason : undefined;
      // An unknown id is VIGIL_ERR_APPROVAL_NOT_FOUND (404), an answered or expired one VIGIL_ERR_APPROVAL_CLOSED (409).
      const action = api.answer(id, answer, web.channelOf(req), reason);
      return { id: action.id, state: action.state };
    });
    // The owner's voice: a session needs its CSRF token here like anywhere else (the hook above).
    scope.post<{ Body: { text?: unknown; wait?: unknown } | undefined }>('/api/ask', async (req) => {
      const wait = typeof req.body?.wait === 'number' && req.body.wait > 0 ? Math.min(req.body.wait, ASK_MAX_WAIT_SECONDS) : ASK_WAIT_SECONDS;
      return api.ask(req.body?.text, web.channelOf(req) === 'dashboard' ? 'dashboard' : 'cli', wait * 1000);
    });
    scope.post<{ Params: { id: string } }>('/api/actions/:id/cancel', async (req, reply) => {
      await api.cancel(req.params.id);
      return reply.code(202).send({ id: req.params.id, state: 'cancelling' });
    });
  });
  // The dashboard: /login, pages, push subscriptions, the live timeline, capability answers.
  await app.register(web.webRoutes, api);
  return app;
}

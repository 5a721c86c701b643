import crypto from 'node:crypto';
import type http from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isVigilError } from '../errors.js';
import type { ActionRecord } from '../store/index.js';
import type { WebhookRouteOptions } from '../triggers/index.js';

/** What the HTTP API may ask of the daemon; nothing else reaches it. */
export interface DaemonApi {
  webhooks: WebhookRouteOptions;
  dashboardToken(): string;
  status(): Record<string, unknown>;
  tick(): Promise<Record<string, unknown>>;
  approvals(): ActionRecord[];
  answer(id: string, answer: 'approve' | 'deny'): ActionRecord;
}

export function approvalView(action: ActionRecord): Record<string, unknown> {
  return {
    id: action.id,
    action: action.action,
    params: action.params,
    rationale: action.rationale,
    reason: action.reason,
    createdAt: new Date(action.createdAt).toISOString(),
    expiresAt: action.expiresAt === null ? null : new Date(action.expiresAt).toISOString(),
  };
}

/** Build the fastify app; fastify itself is imported only when the first API request arrives. */
export async function buildApiApp(
  api: DaemonApi,
  serverFactory: (handler: (req: http.IncomingMessage, res: http.ServerResponse) => void) => http.Server,
): Promise<FastifyInstance> {
  const [{ default: Fastify }, { githubWebhookRoutes }] = await Promise.all([
    import('fastify'),
    import('../triggers/github/route.js'),
  ]);
  const app = Fastify({ serverFactory, logger: false, bodyLimit: 1 << 20 });
  app.get('/healthz', async () => ({ status: 'ok' }));
  // Outside the login: a delivery is authenticated by its signature.
  await app.register(githubWebhookRoutes, api.webhooks);
  await app.register(async (scope) => {
    scope.addHook('onRequest', async (req, reply) => authorise(api, req, reply));
    scope.get('/api/status', async () => api.status());
    scope.post('/api/tick', async (_req, reply) => reply.code(202).send(await api.tick()));
    scope.get('/api/approvals', async () => api.approvals().map(approvalView));
    scope.post<{ Params: { id: string; answer: string } }>('/api/approvals/:id/:answer', async (req, reply) => {
      const { id, answer } = req.params;
      if (answer !== 'approve' && answer !== 'deny') return reply.code(404).send({ error: 'VIGIL_ERR_USAGE' });
      try {
        const action = api.answer(id, answer);
        return { id: action.id, state: action.state };
      } catch (err) {
        if (isVigilError(err, 'VIGIL_ERR_APPROVAL_NOT_FOUND')) return reply.code(404).send(err.toJSON());
        if (isVigilError(err, 'VIGIL_ERR_APPROVAL_CLOSED')) return reply.code(409).send(err.toJSON());
        throw err;
      }
    });
  });
  return app;
}

async function authorise(api: DaemonApi, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const header = req.headers.authorization ?? '';
  const given = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
  if (!given || !sameSecret(given, api.dashboardToken())) {
    await reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorised' });
  }
}

/** Constant-time comparison that does not leak the length through an early return. */
export function sameSecret(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}

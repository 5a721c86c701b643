import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { VigilError } from '../errors.js';
import { eventRecord } from '../events.js';
import { apiAuth, ownerOf, pageAuth } from './auth.js';
import { pushPage } from './pages.js';
import type { PushDeps } from './types.js';

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

/**
 * A phone's way to web push: the /push page (a logged-in browser) and its subscriptions
 * (Bearer, or a session with its CSRF token). The SQLite daemon's, and a team node's with
 * the subscriptions in PostgreSQL (issue 19).
 */
export async function pushRoutes(app: FastifyInstance, deps: PushDeps): Promise<void> {
  const subscriptions = deps.store.pushSubscriptions;

  app.get('/push', { preHandler: pageAuth(deps) }, async (req, reply) => {
    const owner = ownerOf(req);
    const page = pushPage({
      csrf: owner?.via === 'session' ? owner.session.csrf : '',
      vapidKey: deps.vapidPublicKey(),
      subscriptions: await subscriptions.subscriptionCount(),
      ...(deps.pages ? { pages: deps.pages } : {}),
    });
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page);
  });

  await app.register(async (api) => {
    api.addHook('onRequest', apiAuth(deps));

    api.post('/api/push/subscriptions', async (req, reply) => {
      const parsed = PushSubscriptionBody.safeParse(req.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const detail = `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`;
        throw new VigilError('VIGIL_ERR_PUSH_SUBSCRIPTION', detail);
      }
      const { endpoint, keys } = parsed.data;
      const userAgent = req.headers['user-agent'];
      const now = deps.clock.now();
      await subscriptions.upsertSubscription({ endpoint, ...keys, ...(userAgent ? { userAgent } : {}) }, now);
      const count = await subscriptions.subscriptionCount();
      // The origin only: an endpoint's path is itself a credential.
      await deps.record(eventRecord('push.subscribed', { endpoint: new URL(endpoint).origin, subscriptions: count }, now));
      await deps.subscribed();
      return reply.code(201).send({ subscriptions: count });
    });

    api.delete<{ Body: { endpoint?: unknown } }>('/api/push/subscriptions', async (req) => {
      const endpoint = req.body?.endpoint;
      if (typeof endpoint !== 'string') throw new VigilError('VIGIL_ERR_PUSH_SUBSCRIPTION', 'endpoint: required');
      return { removed: await subscriptions.removeSubscription(endpoint) };
    });
  });
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { eventRecord } from '../events.js';
import { identify, ownerOf, pageAuth, sameSecret } from './auth.js';
import { loginPage } from './pages.js';
import { LOGIN_RATE_LIMIT } from './security.js';
import { Sessions, SESSION_TTL_MS, sessionCookie } from './sessions.js';
import type { WebDeps } from './types.js';

/** Behind a TLS reverse proxy on this machine (trustProxy: loopback) the cookie is marked Secure. */
function overTls(req: FastifyRequest): boolean {
  return req.protocol === 'https';
}

/** `/login` (one field: the dashboard token) and `/logout`. */
export async function loginRoutes(app: FastifyInstance, deps: WebDeps): Promise<void> {
  app.get('/login', async (req, reply) => {
    const owner = identify(deps, req);
    if (owner && owner !== 'bad-bearer' && owner.via === 'session') return reply.redirect('/', 303);
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(loginPage());
  });

  app.post('/login', { config: { rateLimit: LOGIN_RATE_LIMIT } }, async (req, reply) => {
    const now = deps.clock.now();
    const token = (req.body as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || !sameSecret(token.trim(), deps.dashboardToken())) {
      deps.record(eventRecord('web.login_failed', { ip: req.ip }, now));
      return reply.code(401).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(loginPage('That token is not right.'));
    }
    const { id } = new Sessions(deps.store.db).create(now);
    deps.record(eventRecord('web.login', { ip: req.ip }, now));
    return reply.header('set-cookie', sessionCookie(id, SESSION_TTL_MS, overTls(req))).redirect('/', 303);
  });

  app.post('/logout', { preHandler: pageAuth(deps) }, async (req, reply) => {
    const owner = ownerOf(req);
    if (owner?.via === 'session') new Sessions(deps.store.db).delete(owner.sessionId);
    return reply.header('set-cookie', sessionCookie('', 0, overTls(req))).redirect('/login', 303);
  });
}

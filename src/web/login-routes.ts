import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { eventRecord } from '../events.js';
import { identify, ownerOf, pageAuth, sameSecret } from './auth.js';
import { checkLogin, clientAddress, LOGIN_LIMITS, loginGuardOf } from './login-guard.js';
import { loginPage } from './pages.js';
import { Sessions, SESSION_TTL_MS, sessionCookie } from './sessions.js';
import type { AuthDeps } from './types.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * Behind a TLS reverse proxy the cookie is marked Secure. `X-Forwarded-Proto` is believed
 * from this machine even without `http.trustProxy`: it can only make the cookie stricter.
 */
function overTls(req: FastifyRequest): boolean {
  if (req.protocol === 'https') return true;
  return LOOPBACK.has(req.socket.remoteAddress ?? '') && req.headers['x-forwarded-proto'] === 'https';
}

function loginAnswer(reply: FastifyReply, code: number, error: string): FastifyReply {
  return reply.code(code).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(loginPage(error));
}

/**
 * `/login` (one field: the dashboard token) and `/logout`: on the SQLite daemon, and on a
 * team node with the sessions in PostgreSQL (issue 19). The login limits are each
 * process's own (login-guard.ts).
 */
export async function loginRoutes(app: FastifyInstance, deps: AuthDeps): Promise<void> {
  app.get('/login', async (req, reply) => {
    const owner = await identify(deps, req);
    if (owner && owner !== 'bad-bearer' && owner.via === 'session') return reply.redirect('/', 303);
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(loginPage());
  });

  // Whether this browser is logged in, asked by the login page itself: a link from elsewhere
  // arrives without the SameSite=Strict cookie, a same-origin request carries it. Always 200
  // (a 401 here would be an error in the console of every login page).
  app.get('/login/session', async (req, reply) => {
    const owner = await identify(deps, req);
    return reply.header('cache-control', 'no-store').send({ session: Boolean(owner && owner !== 'bad-bearer' && owner.via === 'session') });
  });

  const guard = loginGuardOf(deps);
  // Counts still waiting when an attack stops are written within about a minute.
  const flusher = setInterval(() => guard.flush(deps.clock.now()), LOGIN_LIMITS.logEveryMs);
  flusher.unref();
  app.addHook('onClose', async () => clearInterval(flusher));

  app.post('/login', async (req, reply) => {
    const now = deps.clock.now();
    const address = clientAddress(req.ip);
    const token = (req.body as { token?: unknown } | undefined)?.token;
    const check = await checkLogin(deps, guard, address, now, () => typeof token === 'string' && sameSecret(token.trim(), deps.dashboardToken()));
    if (!check.ok) {
      const seconds = Math.max(1, Math.ceil(check.retryAfterMs / 1000));
      reply.header('retry-after', String(seconds));
      return loginAnswer(reply, 429, `Too many failed logins${check.scope === 'all' ? ' from everywhere' : ''}: try again in ${seconds} s.`);
    }
    if (!check.right) return loginAnswer(reply, 401, 'That token is not right.');
    const { id } = await new Sessions(deps.store.webSessions).create(now);
    await deps.record(eventRecord('web.login', { ip: address }, now));
    return reply.header('set-cookie', sessionCookie(id, SESSION_TTL_MS, overTls(req))).redirect('/', 303);
  });

  app.post('/logout', { preHandler: pageAuth(deps) }, async (req, reply) => {
    const owner = ownerOf(req);
    if (owner?.via === 'session') await new Sessions(deps.store.webSessions).delete(owner.sessionId);
    return reply.header('set-cookie', sessionCookie('', 0, overTls(req))).redirect('/login', 303);
  });
}

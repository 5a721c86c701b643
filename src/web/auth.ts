import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { VigilError } from '../errors.js';
import type { OwnerChannel } from '../policy/index.js';
import { checkLogin, clientAddress, loginGuardOf } from './login-guard.js';
import { readCookie, SESSION_COOKIE, Sessions, type Session } from './sessions.js';
import type { AuthDeps } from './types.js';

/** How a request proved it comes from the owner. */
export type Owner = { via: 'bearer' } | { via: 'session'; session: Session; sessionId: string };

const owners = new WeakMap<FastifyRequest, Owner>();
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function ownerOf(req: FastifyRequest): Owner | undefined {
  return owners.get(req);
}

/** Which OWNER_CHANNEL an answer came through: the CLI speaks Bearer, a browser has a session. */
export function channelOf(req: FastifyRequest): OwnerChannel {
  return ownerOf(req)?.via === 'session' ? 'dashboard' : 'cli';
}

/**
 * Who is asking: `Authorization: Bearer <dashboard token>` (the CLI, scripts) or the
 * session cookie of a logged-in browser. Undefined when neither holds.
 */
export async function identify(deps: AuthDeps, req: FastifyRequest): Promise<Owner | 'bad-bearer' | undefined> {
  const header = req.headers.authorization ?? '';
  if (header.startsWith('Bearer ')) {
    return sameSecret(header.slice(7).trim(), deps.dashboardToken()) ? { via: 'bearer' } : 'bad-bearer';
  }
  const sessionId = readCookie(req.headers.cookie, SESSION_COOKIE);
  const session = await new Sessions(deps.store.webSessions).find(sessionId, deps.clock.now());
  return session && sessionId ? { via: 'session', session, sessionId } : undefined;
}

/**
 * The API's guard. A session (an ambient credential the browser adds by itself) must
 * also show its CSRF token on anything that changes state; a Bearer token cannot be
 * sent by another site, so it needs none. A Bearer token is a guess at the dashboard
 * token like the login form's, and counts against the same limits (login-guard.ts).
 */
export function apiAuth(deps: AuthDeps) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const header = req.headers.authorization ?? '';
    if (header.startsWith('Bearer ')) {
      const check = await checkBearer(deps, clientAddress(req.ip), header.slice(7).trim());
      if (!check.ok) {
        reply.headers(check.headers);
        throw check.error;
      }
      owners.set(req, { via: 'bearer' });
      return;
    }
    const owner = await identify(deps, req);
    if (!owner || owner === 'bad-bearer') {
      reply.header('www-authenticate', 'Bearer');
      throw new VigilError('VIGIL_ERR_UNAUTHORISED');
    }
    if (owner.via === 'session' && !SAFE_METHODS.has(req.method) && !csrfMatches(req, owner.session)) {
      throw new VigilError('VIGIL_ERR_CSRF', 'send the page\'s token in the X-CSRF-Token header');
    }
    owners.set(req, owner);
  };
}

export type BearerCheck = { ok: true } | { ok: false; error: VigilError; headers: Record<string, string> };

/**
 * A Bearer token, from `address` (the socket's peer, or the proxy's word with
 * `http.trustProxy`). The limits are checked before the token is compared (a refusal
 * that compared it would tell a right guess from a wrong one); a wrong token is a
 * failure. Both servers call this: fastify's apiAuth and the CLI's front
 * (src/daemon/cli-api-front.ts).
 */
export async function checkBearer(deps: AuthDeps, address: string, token: string): Promise<BearerCheck> {
  const guard = loginGuardOf(deps);
  const now = deps.clock.now();
  const check = await checkLogin(deps, guard, address, now, () => sameSecret(token, deps.dashboardToken()));
  if (!check.ok) {
    const seconds = Math.max(1, Math.ceil(check.retryAfterMs / 1000));
    return { ok: false, error: new VigilError('VIGIL_ERR_LOGIN_LIMIT', `retry in ${seconds} s`), headers: { 'retry-after': String(seconds) } };
  }
  if (!check.right) {
    return { ok: false, error: new VigilError('VIGIL_ERR_UNAUTHORISED'), headers: { 'www-authenticate': 'Bearer' } };
  }
  return { ok: true };
}

/** The pages' guard: no session, no page — the browser goes to /login. */
export function pageAuth(deps: AuthDeps) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const owner = await identify(deps, req);
    if (!owner || owner === 'bad-bearer' || owner.via !== 'session') {
      await reply.code(303).header('location', '/login').header('cache-control', 'no-store').send();
      return;
    }
    if (!SAFE_METHODS.has(req.method) && !csrfMatches(req, owner.session)) throw new VigilError('VIGIL_ERR_CSRF');
    owners.set(req, owner);
  };
}

function csrfMatches(req: FastifyRequest, session: Session): boolean {
  const header = req.headers['x-csrf-token'];
  const fromForm = (req.body as Record<string, unknown> | undefined)?._csrf;
  const given = typeof header === 'string' ? header : typeof fromForm === 'string' ? fromForm : '';
  return given.length > 0 && sameSecret(given, session.csrf);
}

/** Constant-time comparison that does not leak the length through an early return. */
export function sameSecret(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}

/**
 * The single daemon's routes a team node does not serve yet (issue 19), and how each is
 * guarded there. On a node such a route answers 501 VIGIL_ERR_TEAM_UNSUPPORTED, after the
 * same login the single daemon asks — an API route's Bearer or session, a page's session —
 * so that a caller without one is told what a single daemon would tell it (401, or the way
 * to /login), not which parts a team lacks. Any other path is no route of vigil's: 404,
 * as on a single daemon. Kept beside API_ROUTES and src/web's page routes: a route added
 * there and not to a node belongs here (test/unit/team-unserved.test.ts checks the API).
 */
import { matchPath } from './api-routes.js';

export interface UnservedRoute {
  method: 'GET' | 'POST';
  /** fastify's syntax, as in API_ROUTES. */
  path: string;
  /** 'api': Bearer or session (+ CSRF); 'page': a session; 'token': a capability token in the request, no login. */
  login: 'api' | 'page' | 'token';
}

export const SINGLE_DAEMON_ONLY: readonly UnservedRoute[] = [
  // None today: a node serves every page and API route of the single daemon's dashboard
  // (the Tasks page last, src/web/team-tasks-routes.ts). A route the single daemon gains
  // before a node serves it is listed here, with its login.
];

/** The single-daemon route `method path` is, if any (HEAD as GET, as fastify answers it). */
export function unservedRoute(method: string, path: string): UnservedRoute | undefined {
  const asked = method === 'HEAD' ? 'GET' : method;
  return SINGLE_DAEMON_ONLY.find((r) => r.method === asked && matchPath(r.path, path) !== undefined);
}

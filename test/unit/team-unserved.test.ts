/**
 * What a team node answers on the single daemon's routes it does not serve
 * (src/daemon/team-unserved.ts): every route of the CLI's API (API_ROUTES) is either in
 * the node's table (src/daemon/team-api-routes.ts) or listed there — so none falls to 404 on a node by being
 * forgotten — and a path no vigil serves is not listed.
 */
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../src/daemon/api-routes.js';
import { TEAM_API_ROUTES } from '../../src/daemon/team-api-routes.js';
import { SINGLE_DAEMON_ONLY, unservedRoute } from '../../src/daemon/team-unserved.js';
import { teamPageRoutes, type TeamPageDeps } from '../../src/web/team-page-routes.js';

/** A request path for a route's pattern: each `:param` a segment. */
const sample = (pattern: string) => pattern.replace(/:[a-z]+/gi, 'x1');

describe('the single daemon\'s routes a node does not serve', () => {
  it('every API route is in the node\'s table or listed, never both; the page\'s routes take none of them', async () => {
    const app = Fastify();
    // Registering reads nothing of the deps: only a request would.
    await app.register(teamPageRoutes, {} as TeamPageDeps);
    await app.ready();
    const name = (r: { method: string; path: string }) => `${r.method} ${r.path}`;
    const served = API_ROUTES.filter((r) => TEAM_API_ROUTES.some((t) => name(t) === name(r))).map(name);
    const listed = API_ROUTES.filter((r) => unservedRoute(r.method, sample(r.path))).map(name);
    expect(served).toEqual(expect.arrayContaining(['GET /api/approvals', 'POST /api/approvals/:id/:answer', 'POST /api/tick', 'POST /api/ask', 'GET /api/status', 'POST /api/dream', 'GET /api/dream', 'GET /api/memory/search', 'POST /api/actions/:id/cancel']));
    expect(served.filter((r) => listed.includes(r))).toEqual([]);
    expect([...served, ...listed].sort()).toEqual(API_ROUTES.map(name).sort());
    // The node's table has no route of its own: the same API as a single daemon's.
    expect(TEAM_API_ROUTES.map(name).filter((r) => !API_ROUTES.some((a) => name(a) === r))).toEqual([]);
    expect(API_ROUTES.filter((r) => app.hasRoute({ method: r.method, url: r.path })).map(name)).toEqual([]);
    await app.close();
  });

  it('matches a listed route by method and path (HEAD as GET), and nothing else', () => {
    expect(unservedRoute('GET', '/tasks/abc')).toMatchObject({ path: '/tasks/:id', login: 'page' });
    expect(unservedRoute('HEAD', '/api/tasks')).toMatchObject({ path: '/api/tasks', login: 'api' });
    expect(unservedRoute('POST', '/api/tasks')).toBeUndefined();
    // Served by a node now (team-status.ts, src/web/team-timeline-routes.ts, team-activity-routes.ts): not listed.
    for (const path of ['/api/status', '/api/timeline', '/api/threads', '/api/events', '/api/charts', '/activity']) expect(unservedRoute('GET', path), path).toBeUndefined();
    expect(unservedRoute('GET', '/tasks/')).toBeUndefined();
    expect(unservedRoute('GET', '/tasks/a/b')).toBeUndefined();
    for (const path of ['/no/such/route', '/webhooks/github', '/webhooks/githubx', '/api', '/api/']) expect(unservedRoute('GET', path), path).toBeUndefined();
    for (const route of SINGLE_DAEMON_ONLY) expect(unservedRoute(route.method, sample(route.path)), route.path).toBe(route);
  });
});

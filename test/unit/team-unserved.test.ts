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

  it('lists nothing a node serves: the Tasks page and its API are a node\'s too (src/web/team-tasks-routes.ts)', () => {
    expect(unservedRoute('GET', '/tasks/abc')).toBeUndefined();
    expect(unservedRoute('HEAD', '/api/tasks')).toBeUndefined();
    expect(unservedRoute('POST', '/tasks/abc/cancel')).toBeUndefined();
    // Served by a node (team-status.ts, src/web/team-timeline-routes.ts, team-activity-routes.ts, team-tasks-routes.ts): not listed.
    for (const path of ['/api/status', '/api/timeline', '/api/threads', '/api/events', '/api/charts', '/activity', '/tasks', '/api/tasks', '/api/tasks/stream']) expect(unservedRoute('GET', path), path).toBeUndefined();
    for (const path of ['/no/such/route', '/webhooks/github', '/webhooks/githubx', '/api', '/api/']) expect(unservedRoute('GET', path), path).toBeUndefined();
    expect(SINGLE_DAEMON_ONLY).toEqual([]);
  });
});

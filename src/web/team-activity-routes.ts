import type { FastifyInstance, FastifyRequest } from 'fastify';
import { localDate } from '../clock.js';
import { activityPage } from './activity-page.js';
import { apiAuth, ownerOf, pageAuth } from './auth.js';
import type { ChartsData } from './charts.js';
import type { PageName } from './html.js';
import { dayOf } from './timeline.js';
import type { AuthDeps } from './types.js';

/** What a team node's Activity page needs: the pictures counted from every node's chain and the team's usage ledger. */
export interface TeamActivityDeps extends AuthDeps {
  /** The pictures of a local day, and the last 30 days' usage. */
  charts(day: string): Promise<ChartsData>;
  /** The oldest day any chain has (the date picker's lower bound). */
  firstLogDay(): Promise<string | undefined>;
  pages: readonly PageName[];
}

function csrfOf(req: FastifyRequest): string {
  const owner = ownerOf(req);
  return owner?.via === 'session' ? owner.session.csrf : '';
}

/**
 * A team node's `/activity` (a session) and `GET /api/charts` (Bearer or session), the
 * single daemon's (page-routes.ts, dashboard-api-routes.ts) over the team: a day's counts
 * from every chain of that day (src/daemon/team-activity-source.ts), not a kept table.
 */
export async function teamActivityRoutes(app: FastifyInstance, deps: TeamActivityDeps): Promise<void> {
  app.get<{ Querystring: Record<string, unknown> }>('/activity', { preHandler: pageAuth(deps) }, async (req, reply) => {
    const now = deps.clock.now();
    const today = localDate(now);
    const [data, firstDay] = await Promise.all([deps.charts(dayOf(req.query.day, now)), deps.firstLogDay()]);
    const page = activityPage({ csrf: csrfOf(req), data, today, firstDay: firstDay ?? today, pages: deps.pages });
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page);
  });

  app.get<{ Querystring: Record<string, unknown> }>('/api/charts', { preHandler: apiAuth(deps) }, async (req) => deps.charts(dayOf(req.query.day, deps.clock.now())));
}

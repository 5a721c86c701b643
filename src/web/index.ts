/**
 * The dashboard (issue 6), served by the daemon's HTTP app: login with the dashboard
 * token (an HttpOnly, SameSite=Strict session cookie), status, today's live timeline,
 * approvals with Approve / Deny, memory, and the push subscription page with its
 * service worker and manifest. Server-rendered HTML and one plain script: nothing to
 * build. Loaded with the HTTP app, never on the idle path.
 */
import type { FastifyInstance } from 'fastify';
import { assetRoutes } from './asset-routes.js';
import { capabilityRoute } from './capability-route.js';
import { logStatsOf } from './log-stats.js';
import { loginRoutes } from './login-routes.js';
import { pageRoutes } from './page-routes.js';
import { pushRoutes } from './push-routes.js';
import { ruleRoute } from './rule-route.js';
import type { WebDeps } from './types.js';

export type { WebDeps } from './types.js';
export { apiAuth, channelOf } from './auth.js';
export { registerSecurity } from './security.js';
export { searchLogs } from './memory.js';

/** Everything of the dashboard, each part in its own encapsulated scope. */
export async function webRoutes(app: FastifyInstance, deps: WebDeps): Promise<void> {
  // Forms (login, logout) post urlencoded; only this scope parses them.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });
  // A home with months of logs is counted once, in windows, from the dashboard's first
  // request: the Activity page then reads only what came since. Not when the app is
  // ready: the CLI's API calls (\`vigil status\`) build the app too, and a year of logs
  // counted behind them cost the daemon a core for half a minute and 100 MB that stayed
  // (issue 18's history bench).
  let counting = false;
  app.addHook('onRequest', async () => {
    if (counting) return;
    counting = true;
    void logStatsOf(deps).catchUp().catch(() => undefined);
  });
  await app.register(assetRoutes);
  await app.register(loginRoutes, deps);
  await app.register(pageRoutes, deps);
  await app.register(pushRoutes, deps);
  await app.register(capabilityRoute, deps);
  await app.register(ruleRoute, deps);
}

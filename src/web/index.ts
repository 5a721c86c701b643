/**
 * The dashboard (issue 6), served by the daemon's HTTP app: login with the dashboard
 * token (an HttpOnly, SameSite=Strict session cookie), status, today's live timeline,
 * approvals with Approve / Deny, memory, and the push subscription page with its
 * service worker and manifest. Server-rendered HTML and one plain script: nothing to
 * build. Loaded with the HTTP app, never on the idle path.
 */
import type { FastifyInstance } from 'fastify';
import type { PushDeps, WebDeps } from './types.js';

export type { AgentBudgets, AuthDeps, PushDeps, WebDeps } from './types.js';
// What the daemon's own server needs for the CLI's requests (src/daemon/cli-api-front.ts)
// is light and loaded with the daemon; the dashboard's routes load inside webRoutes.
export { apiAuth, channelOf, checkBearer, pageAuth } from './auth.js';
export { clientAddress } from './login-guard.js';
export { HELMET_OPTIONS, registerSecurity } from './security.js';
export type { CapabilityDeps } from './capability-route.js';
/** The capability route (a notification's Approve / Deny), loaded when an HTTP app is built: a team node serves it too. */
export const loadCapabilityRoute = () => import('./capability-route.js');
/** A suggested rule's link (issue 15), loaded when a team node's HTTP app is built (issue 19). */
export const loadRuleRoute = () => import('./rule-route.js');
export type { RuleRouteDeps } from './rule-route.js';
/** The public assets (style, script, icons) the capability route's pages link to. */
export const loadAssetRoutes = () => import('./asset-routes.js');
/** Login and the push page with its subscriptions, loaded when a team node's HTTP app is built (issue 19). */
export const loadPhoneRoutes = () => Promise.all([import('./login-routes.js'), import('./push-routes.js')]).then(([login, push]) => ({ loginRoutes: login.loginRoutes, pushRoutes: push.pushRoutes }));
/** A team node's home page: the team and its approvals (issue 19). */
export const loadTeamPageRoutes = () => import('./team-page-routes.js');
export type { TeamPageDeps } from './team-page-routes.js';
/** A team node's Memory page and log records (issue 19). */
export const loadTeamMemoryRoutes = () => import('./team-memory-routes.js');
export type { TeamMemoryDeps } from './team-memory-routes.js';
/** A team node's timeline: its API and live stream over every node's chain (issue 19). */
export const loadTeamTimelineRoutes = () => import('./team-timeline-routes.js');
export type { TeamTimelineDeps } from './team-timeline-routes.js';
export type { TeamTimelineSource } from './team-timeline.js';
/** A team node's Activity page and charts over every node's chain (issue 19). */
export const loadTeamActivityRoutes = () => import('./team-activity-routes.js');
export type { TeamActivityDeps } from './team-activity-routes.js';
export type { ChartsData } from './charts.js';
/** A team node's Tasks page, its list's API and live stream over every node's agent tasks (issue 19). */
export const loadTeamTasksRoutes = () => import('./team-tasks-routes.js');
export type { TeamTasksDeps } from './team-tasks-routes.js';
export type { TeamTask, TeamTasksSource } from './team-tasks.js';
/** The timeline's and the pictures' builders a node's sources use. */
export const loadTeamViews = () => import('./team-views.js');
export type TeamViews = Awaited<ReturnType<typeof loadTeamViews>>;
export { TEAM_PAGES } from './html.js';
export { searchLogs } from './memory.js';

/** Everything of the dashboard, each part in its own encapsulated scope. */
export async function webRoutes(app: FastifyInstance, deps: WebDeps): Promise<void> {
  const [{ assetRoutes }, { capabilityRoute, sqliteCapability }, { logStatsOf }, { loginRoutes }, { pageRoutes }, { pushRoutes }, { dashboardApiRoutes }, { ruleRoute, sqliteRules }] = await Promise.all([
    import('./asset-routes.js'),
    import('./capability-route.js'),
    import('./log-stats.js'),
    import('./login-routes.js'),
    import('./page-routes.js'),
    import('./push-routes.js'),
    import('./dashboard-api-routes.js'),
    import('./rule-route.js'),
  ]);
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
  await app.register(pushRoutes, {
    store: deps.store,
    clock: deps.clock,
    dashboardToken: () => deps.dashboardToken(),
    record: (record) => deps.record(record),
    vapidPublicKey: () => deps.vapidPublicKey(),
    subscribed: () => deps.reach.subscribed(),
  } satisfies PushDeps);
  await app.register(dashboardApiRoutes, deps);
  await app.register(capabilityRoute, sqliteCapability(deps));
  await app.register(ruleRoute, sqliteRules(deps));
}

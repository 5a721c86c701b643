import type http from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../clock.js';
import type { ModelConfig } from '../config/index.js';
import { VigilError } from '../errors.js';
import type { EventRecord } from '../events.js';
import { answerTeamApproval, type OwnerAnswer } from '../initiative/index.js';
import { searchTeam } from '../memory/index.js';
import { approvalView, requestTeamCancel, type TeamDreamStatus } from '../operations/index.js';
import type { PgApproval, PgStore } from '../store/index.js';
import { apiAuth, channelOf, HELMET_OPTIONS, loadAssetRoutes, loadCapabilityRoute, loadPhoneRoutes, loadRuleRoute, type RuleRouteDeps, loadTeamActivityRoutes, loadTeamMemoryRoutes, loadTeamPageRoutes, loadTeamTasksRoutes, loadTeamTimelineRoutes, loadTeamViews, registerSecurity, TEAM_PAGES, pageAuth, type AgentBudgets, type CapabilityDeps, type PushDeps, type TeamActivityDeps, type TeamPageDeps, type TeamTasksDeps, type TeamTimelineDeps, type TeamViews } from '../web/index.js';
import { answerErrorsAsVigil, frameworkErrorsAsVigil } from './http-errors.js';
import { TEAM_API_ROUTES, type TeamApi } from './team-api-routes.js';
import type { TeamDreamStarted } from './team-dreamer.js';
import { teamMemoryDeps } from './team-memory-pages.js';
import { teamCharts } from './team-activity-source.js';
import { teamTasksSource } from './team-tasks-source.js';
import { teamTimelineSource } from './team-timeline-source.js';
import { unservedRoute } from './team-unserved.js';

export interface TeamAppDeps {
  store: PgStore;
  clock: Clock;
  /** The node's home: its search index of the team's logs is kept under `cache/` (src/memory/team-search.ts). */
  home: string;
  /** Where people see GitHub: a log record's sentence links there (as on SQLite). */
  githubWebUrl: string;
  /** config `http.trustProxy` (as on SQLite: the login limits key on the client's address). */
  trustProxy: boolean;
  /** secrets.json `dashboardToken`: what /login takes (the same on every node, or each node's logs in). */
  dashboardToken(): string;
  /** secrets.json `vapid.publicKey`, which the push page hands the browser (the same on every node: any node's worker signs with its private key). */
  vapidPublicKey(): string;
  /** A log line that could not be written (the database away): said in the node's output. */
  unlogged(record: EventRecord, err: unknown): void;
  /** config `model`'s prices: the Activity page's cost per day, an agent task's on the Tasks page. */
  pricing(): Pick<ModelConfig, 'prices' | 'cacheTtl'>;
  /** config `agent`: what one task may spend, the Tasks page's figures shown against it. */
  agentBudgets(): AgentBudgets;
  /** A page's live stream that stopped on the database (the browser reconnects): said in the node's output. */
  streamFailed(err: unknown): void;
  /** The HMAC key of the capability tokens (secrets.json `capabilityKey`, the same on every node of a team). */
  capabilityKey(): string;
  /** An approval was granted: the node's worker may look now, and a rule may be due (team-rules.ts). */
  approved(action: PgApproval): void;
  /** A suggested rule's link, `/push/rules/:id` (team-rules.ts): the rule into this node's config.json. */
  rules: RuleRouteDeps;
  /** Lines for the node's chain. */
  record(records: EventRecord[]): Promise<void>;
  /** `POST /api/ask`: the owner's words into the shared inbox, and the answer whichever node decides them (team-asks.ts). */
  ask(text: unknown, via: 'cli' | 'dashboard', waitMs: number): Promise<OwnerAnswer>;
  /** `POST /api/push/test`: a test notification sent by whichever node's worker takes it (team-push-test.ts). */
  pushTest(): Promise<unknown>;
  /** `GET /api/status` (\`vigil status\` on this node's home): the single daemon's report for this node, and the team's (team-status.ts). */
  status(): Promise<Record<string, unknown>>;
  /** `POST /api/tick` (`vigil tick` on this node's home): a manual tick in the shared inbox, with this node's open-work digest. */
  tick(): Promise<{ outcome: string; eventId: number; openWork: string }>;
  /** `POST /api/dream` (`vigil dream --now`): a dream of the team, by this node or the dreamer role's holder (team-dreamer.ts). */
  dream(): Promise<TeamDreamStarted>;
  /** `GET /api/dream` (`vigil dream`): the team's dream state and the gate, as this node's config sets it (operations/team-dream-status.ts). */
  dreamStatus(): Promise<TeamDreamStatus>;
}

/**
 * What a node on PostgreSQL answers beyond `/healthz` and the webhook route (issue 19):
 * a notification's Approve and Deny (`/push/approvals/:id/:answer`), whichever node the
 * owner's device reaches — the token's nonce spent in the answer's own transaction, so a
 * token answers once across all nodes — and a suggested rule's link (`/push/rules/:id`,
 * team-rules.ts: its token adds once across nodes, to this node's config.json), the public assets its pages link to, and a
 * phone's way to web push: `/login`, `/logout`, the `/push` page and
 * `/api/push/subscriptions`, the SQLite routes with the sessions and subscriptions in
 * PostgreSQL, so that a phone logged in or subscribed through one node is so on all; and
 * the node's home page `/` (src/web/team-page.ts: the team and its approvals, answered by
 * `POST /approvals/:id` or `POST /api/approvals/:id/:answer`, listed by `GET /api/approvals`), and `POST /api/ask`, the
 * owner's words (\`vigil ask\`) decided by whichever node takes them, and `POST /api/tick`
 * (\`vigil tick\`), a manual tick with this node's open-work digest, and `GET /api/status`
 * (\`vigil status\`: the single daemon's report for this node, with the team's); and the Memory page
 * (`/memory`, the owner's edits by `POST /memory/facts`) and the log records it links to
 * (`/log?node=&day=&seq=`), from `memory_files` and every node's chain; and the Tasks page
 * (`/tasks`, `/tasks/:id`, Cancel by `POST /tasks/:id/cancel`, `GET /api/tasks` and its live
 * stream), every node's agent tasks from the database with the transcripts this node's
 * worker wrote, and the team's dream. A route of the single daemon a node does not serve
 * yet says so — 501 with the one error body, after the login the single daemon asks —
 * rather than answer from a home that holds nothing; a path no vigil serves is 404, as on
 * a single daemon (team-unserved.ts).
 */
export function teamApp(deps: TeamAppDeps) {
  return async function buildTeamApp(serverFactory: (handler: (req: http.IncomingMessage, res: http.ServerResponse) => void) => http.Server): Promise<FastifyInstance> {
    const [{ default: Fastify }, { default: helmet }] = await Promise.all([import('fastify'), import('helmet')]);
    const app = Fastify({
      serverFactory,
      logger: false,
      bodyLimit: 1 << 20,
      trustProxy: deps.trustProxy ? (_address, hop) => hop < 1 : false,
      // As the single daemon's app: a URL fastify cannot decode gets the one error body and the security headers.
      frameworkErrors: frameworkErrorsAsVigil(helmet(HELMET_OPTIONS)),
    });
    answerErrorsAsVigil(app);
    await registerSecurity(app);
    const [{ capabilityRoute }, { ruleRoute }, { assetRoutes }, { loginRoutes, pushRoutes }, { teamPageRoutes }, { teamMemoryRoutes }, { teamTimelineRoutes }, { teamActivityRoutes }, { teamTasksRoutes }, views] = await Promise.all([
      loadCapabilityRoute(),
      loadRuleRoute(),
      loadAssetRoutes(),
      loadPhoneRoutes(),
      loadTeamPageRoutes(),
      loadTeamMemoryRoutes(),
      loadTeamTimelineRoutes(),
      loadTeamActivityRoutes(),
      loadTeamTasksRoutes(),
      loadTeamViews(),
    ]);
    // The confirmation page is the SQLite one: its style and script are public and hold no data.
    await app.register(assetRoutes);
    await app.register(async (scope) => {
      // The confirmation page's button posts a form.
      scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(String(body))));
      });
      await capabilityRoute(scope, teamCapability(deps));
      // A suggested rule's link: its token spent once across nodes, the rule into this node's config.json.
      await ruleRoute(scope, deps.rules);
    });
    await app.register(async (scope) => {
      // The login form and the logout button post forms.
      scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(String(body))));
      });
      const phone = teamPhone(deps);
      await scope.register(loginRoutes, phone);
      await scope.register(pushRoutes, phone);
      // Where a login lands and the home screen app starts: the team, and what waits for the owner.
      await scope.register(teamPageRoutes, teamPageDeps(deps, phone, views));
      // The team's memory (its edit form posts a form) and the log records its facts and search hits name.
      await scope.register(teamMemoryRoutes, teamMemoryDeps(deps, phone));
      // Every node's agent tasks (the Cancel form posts a form), their list's API and live stream, and the team's dream.
      await scope.register(teamTasksRoutes, teamTasksDeps(deps, phone));
    });
    // The timeline's API and its live stream (Bearer or session), and the Activity page, over every node's chain.
    await app.register(teamTimelineRoutes, teamTimelineDeps(deps));
    await app.register(teamActivityRoutes, teamActivityDeps(deps, views));
    const guard = teamPhone(deps);
    const api = teamApi(deps);
    await app.register(async (scope) => {
      // The CLI's API (team-api-routes.ts), as the single daemon's app answers it: the
      // CLI's Bearer token, or a logged-in browser's session with its CSRF token to change anything.
      scope.addHook('onRequest', apiAuth(guard));
      for (const route of TEAM_API_ROUTES) {
        scope.route<{ Params: Record<string, string>; Querystring: Record<string, unknown> }>({
          method: route.method,
          url: route.path,
          handler: async (req, reply) => reply.code(route.status).send(await route.run(api, { params: req.params, query: req.query, body: req.body, channel: channelOf(req) })),
        });
      }
    });
    app.all('/*', async (req, reply) => {
      // The method and path only: a query string may carry a token.
      const path = req.url.split('?')[0] ?? '';
      const route = unservedRoute(req.method, path);
      if (!route) throw new VigilError('VIGIL_ERR_NOT_FOUND', `${req.method} ${path}`);
      // Asked as the single daemon asks (team-unserved.ts): without a login, its answer.
      if (route.login === 'api') await apiAuth(guard)(req, reply);
      if (route.login === 'page') {
        await pageAuth(guard)(req, reply);
        if (reply.sent) return reply;
      }
      throw new VigilError('VIGIL_ERR_TEAM_UNSUPPORTED', `${req.method} ${path}: this part of the dashboard or the API does not run on PostgreSQL yet`);
    });
    return app;
  };
}

function teamCapability(deps: TeamAppDeps): CapabilityDeps {
  const { store, clock } = deps;
  return {
    clock,
    capabilityKey: () => deps.capabilityKey(),
    approval: (id) => store.transaction((tx) => store.approvals.get(tx, id)),
    spendAndAnswer: async (id, answer, nonce) => {
      const answered = await answerTeamApproval(store, clock, { id, answer, by: 'push', nonce });
      if (answered !== 'used' && answered.state === 'approved') deps.approved(answered);
      return answered;
    },
    refused: (record) => deps.record([record]),
  };
}

/**
 * What the node's API answers from (team-api-routes.ts), for its fastify app and for the
 * CLI's front on Node's own server alike: the same login guard (the phone's, so the
 * limits are one count), the team's tables, this node's dreamer and search index.
 */
export function teamApi(deps: TeamAppDeps): TeamApi {
  const { store, clock } = deps;
  return {
    ...teamPhone(deps),
    approvals: async () => (await store.transaction((tx) => store.approvals.pending(tx))).map(approvalView),
    answer: async (id, answer, by, reason) => {
      const answered = await answerTeamApproval(store, clock, { id, answer, by, ...(reason !== undefined ? { reason } : {}) });
      // Only a capability's nonce can be "used"; the API spends none.
      if (answered === 'used') throw new VigilError('VIGIL_ERR_INTERNAL', `${id}: answered without a token, yet a token was spent`);
      if (answered.state === 'approved') deps.approved(answered);
      return { id: answered.id, state: answered.state };
    },
    ask: (text, via, waitMs) => deps.ask(text, via, waitMs),
    tick: () => deps.tick(),
    status: () => deps.status(),
    dream: () => deps.dream(),
    dreamStatus: () => deps.dreamStatus(),
    // Caught up whole before it answers (between batches the loop takes turns): complete.
    search: async (words, limit) => ({ hits: await searchTeam(deps.home, store.searchSource(), words, limit), complete: true }),
    cancel: (id) => requestTeamCancel(store, id, clock.now()),
  };
}

/** The team page: the team's state and approvals from the database, an answer once whichever node takes it. */
function teamPageDeps(deps: TeamAppDeps, phone: PushDeps, views: TeamViews): TeamPageDeps {
  const { store, clock } = deps;
  const api = teamApi(deps);
  return {
    ...phone,
    node: store.node,
    status: (now) => store.status(now),
    approvals: () => store.transaction((tx) => store.approvals.pending(tx)),
    answer: (id, answer, reason) => api.answer(id, answer, 'dashboard', reason),
    ask: (text, via, waitMs) => deps.ask(text, via, waitMs),
    pushTest: () => deps.pushTest(),
    answerTo: async (eventId) => (await store.decisions.answerTo(eventId)) as { text: string } | undefined,
    timeline: (day, filters) => views.teamDayTimeline(teamTimelineSource(store, clock, deps.githubWebUrl), day, filters),
  };
}

/** The timeline's API on a node: every chain of the day, the page's live stream polling the chains. */
function teamTimelineDeps(deps: TeamAppDeps): TeamTimelineDeps {
  return {
    ...teamPhone(deps),
    ...teamTimelineSource(deps.store, deps.clock, deps.githubWebUrl),
    followFailed: (err) => deps.streamFailed(err),
    status: () => deps.status(),
  };
}

/** The Tasks page on a node: every node's agent tasks from the database, the transcripts this node's worker wrote, Cancel through the team's flag. */
function teamTasksDeps(deps: TeamAppDeps, phone: PushDeps): TeamTasksDeps {
  const { store, clock } = deps;
  return {
    ...phone,
    ...teamTasksSource({ store, clock, home: deps.home, agentBudgets: () => deps.agentBudgets(), pricing: () => deps.pricing() }),
    cancel: (id) => requestTeamCancel(store, id, clock.now()),
    streamFailed: (err) => deps.streamFailed(err),
    pages: TEAM_PAGES,
  };
}

/** The Activity page on a node: a day counted from every chain, the trend from the team's ledger. */
function teamActivityDeps(deps: TeamAppDeps, views: TeamViews): TeamActivityDeps {
  return {
    ...teamPhone(deps),
    charts: teamCharts(views, deps.store, deps.clock, deps.pricing),
    firstLogDay: () => deps.store.firstLogDay(),
    pages: TEAM_PAGES,
  };
}

/** The login and the push routes of a node: the sessions and subscriptions in PostgreSQL, the log lines in the node's chain. */
function teamPhone(deps: TeamAppDeps): PushDeps {
  return {
    // The store itself: this process's login guard is kept per store (web/login-guard.ts)…
    store: deps.store,
    // …and the team's failures in the database, so the limits hold across nodes.
    loginFailures: deps.store.loginFailures,
    clock: deps.clock,
    dashboardToken: () => deps.dashboardToken(),
    vapidPublicKey: () => deps.vapidPublicKey(),
    record: (record) => deps.record([record]).catch((err: unknown) => deps.unlogged(record, err)),
    // What reached nobody is asked again (any node's worker, looking every second, sends it).
    subscribed: async () => void (await deps.store.notify.askAgainUnreached(deps.clock.now())),
    pages: TEAM_PAGES,
  };
}

/**
 * A node of a team's vigil (issue 19): `vigil start --node NAME` with `store.url` (or
 * `DATABASE_URL`) naming a PostgreSQL database that several nodes share. The node keeps
 * only its config and secrets in its home; what it takes lives in the database.
 *
 * This class starts and stops the node's parts, each in its own file: the webhook intake
 * (pg-intake.ts) and the HTTP app (team-app.ts), the heartbeat, the decisions
 * (team-decisions.ts: each event claimed under a lease, decided once across nodes), the
 * node's worker process (team-worker.ts), and the role holders — ticks, dreams, the
 * redelivery sweep — of which one node at a time runs each (team-ticks.ts,
 * team-dreamer.ts, team-redelivery.ts); reminders and pruning run on every node. What a
 * node does and does not do yet (it says so: 501) is listed in docs/architecture.md,
 * "PostgreSQL (issue 19)", and in docs/contract.md under `vigil start --node`.
 */
import crypto from 'node:crypto';
import { hasGithubCredentials, loadConfig, loadDaemonSecrets, type Config, type Secrets } from '../config/index.js';
import { homePaths, removeDaemonInfo, writeDaemonInfo, type HomePaths } from '../home/index.js';
import type { Clock } from '../clock.js';
import { errorText, VigilError } from '../errors.js';
import { eventRecord, type EventRecord } from '../events.js';
import type { GithubQuery } from '../github-api/index.js';
import { coalesceKey, TeamDecisions, type TeamDecider } from '../initiative/index.js';
import { enqueueTeamManualTick, teamDreamStatus } from '../operations/index.js';
import { createJsonCompletion } from '../model/index.js';
import { consolidationCompletion, consolidatorFor } from '../dream/index.js';
import { openPgStore, type PgPruneReport, type PgStore } from '../store/index.js';
import type { TeamWorldOptions } from '../tick/index.js';
import { GITHUB_WEBHOOK_PATH, loadWebhookHandler, PgWebhookIntake, type WebhookProxy } from '../triggers/index.js';
import { githubApiUrl, githubWebUrl } from '../github-urls.js';
import { VERSION } from '../version.js';
import { HttpFront } from './http.js';
import { ownAddress } from './own-address.js';
import { startOwnProxy } from './own-proxy.js';
import { acquireDaemonLock } from './lock.js';
import { StorePruner } from './pruner.js';
import { silentOplog, stringLeaves, type Oplog } from './oplog.js';
import { cliApiMatches } from './api-routes.js';
import { teamApi, teamApp, type TeamAppDeps } from './team-app.js';
import { teamDecider, teamTickWorld, type TeamBrainParts } from './team-brain.js';
import { TEAM_API_ROUTES } from './team-api-routes.js';
import { askTeam } from './team-asks.js';
import { teamPushTest } from './team-push-test.js';
import { TeamRejections } from './team-rejections.js';
import { nodeStatus } from './team-status.js';
import { TeamDesktop } from './team-desktop.js';
import { TeamHeartbeat } from './team-heartbeat.js';
import { TeamDreamer } from './team-dreamer.js';
import { TeamRedelivery } from './team-redelivery.js';
import { teamRules } from './team-rules.js';
import { TeamReminders } from './team-reminders.js';
import { DIGEST_WAIT_MS, TeamTicks } from './team-ticks.js';
import { TeamWorker } from './team-worker.js';
import { teamWorkWaiting } from './team-work-probe.js';

export interface TeamDaemonOptions {
  home: string;
  clock: Clock;
  /** This node's name: `--node`, the host name by default. */
  node: string;
  env?: NodeJS.ProcessEnv;
  oplog?: Oplog;
}

const HTTP_DRAIN_MS = 1500;
/** What a node's decisions and its worker's action may take to finish once asked to stop (SIGTERM ends within 10 s). */
const DECISIONS_DRAIN_MS = 5000;
const WORKER_DRAIN_MS = 5000;
/** A retention pass that failed (the database away) is tried again after this. */
const PRUNE_RETRY_MS = 15 * 60_000;

export class TeamDaemon {
  readonly paths: HomePaths;
  readonly oplog: Oplog;
  private config!: Readonly<Config>;
  private secrets!: Secrets;
  private store: PgStore | undefined;
  private http: HttpFront | undefined;
  private intake: PgWebhookIntake | undefined;
  private rejections: TeamRejections | undefined;
  private decisions: TeamDecisions | undefined;
  private worker: TeamWorker | undefined;
  private desktop: TeamDesktop | undefined;
  private ticks: TeamTicks | undefined;
  private reminders: TeamReminders | undefined;
  private dreamer: TeamDreamer | undefined;
  private redelivery: TeamRedelivery | undefined;
  private pruner: StorePruner<PgPruneReport> | undefined;
  private heartbeat: TeamHeartbeat | undefined;
  private proxy: WebhookProxy | undefined;
  /** Marks the requests of this node's own smee client (their refusals are counted on the proxy path, naming the delivery). */
  private readonly proxyKey = crypto.randomBytes(16).toString('hex');
  private releaseLock: (() => void) | undefined;
  private address = '';
  private startedAt = 0;
  private stopped: Promise<void> | undefined;
  /** Aborted when the node begins to stop: a `POST /api/ask` still waiting stops waiting. */
  private readonly stopping = new AbortController();

  constructor(private readonly options: TeamDaemonOptions) {
    this.paths = homePaths(options.home);
    this.oplog = options.oplog ?? silentOplog();
  }

  get url(): string {
    return this.address;
  }

  async start(): Promise<void> {
    const { clock, node } = this.options;
    const env = this.options.env ?? process.env;
    this.config = loadConfig(this.paths.config, env);
    const url = this.config.store.url;
    if (!url) throw new VigilError('VIGIL_ERR_CONFIG', 'a team node needs store.url (or DATABASE_URL): postgres://…');
    this.secrets = loadDaemonSecrets(this.paths.secrets, env);
    // A missing API key or a bad endpoint fails here, before the store is opened (exit 78), not on the first event.
    this.decider(this.config);
    this.oplog.setLevel(this.config.log.level);
    this.oplog.redactValues(stringLeaves(this.secrets));
    this.releaseLock = acquireDaemonLock(this.paths.home);
    try {
      const leaseSeconds = this.config.store.leaseSeconds;
      this.store = await openPgStore({
        url,
        node,
        clock,
        leaseSeconds,
        roleEvents: {
          gained: (role) => {
            this.oplog.info('role gained', { role });
            if (role === 'redelivery') this.redelivery?.roleGained();
          },
          lost: (role, why) => {
            this.oplog.info('role lost', { role, why });
            if (role === 'tick') this.ticks?.lost();
          },
        },
      });
      const store = this.store;
      this.decisions = new TeamDecisions({
        store,
        clock,
        // Now with the store: vigil_history reads it.
        decider: this.decider(this.config),
        leaseSeconds,
        failed: (err) => this.oplog.warn('decision failed', { error: errorText(err) }),
        approved: () => {
          this.worker?.kick();
          this.desktop?.nudge();
        },
        record: (records) => this.recordAll(records),
        desktopShows: (tx, now) => this.desktop?.showsAsks(tx, now) ?? Promise.resolve(false),
      });
      this.intake = new PgWebhookIntake({ store, clock, filter: () => this.config.github, onStored: () => this.decisions?.wake(), coalesceKey });
      const intake = this.intake;
      const bodyTimeoutMs = this.config.http.bodyTimeoutSeconds * 1000;
      const rules = teamRules({
        store,
        clock,
        configFile: this.paths.config,
        permissions: () => this.config.permissions,
        capabilityKey: () => this.secrets.capabilityKey,
        reload: () => this.reload(),
        record: (records) => this.recordAll(records),
        warn: (message, fields) => this.oplog.warn(message, fields),
      });
      const appDeps: TeamAppDeps = {
        store,
        clock,
        home: this.paths.home,
        githubWebUrl: githubWebUrl(githubApiUrl(this.options.env ?? process.env)),
        capabilityKey: () => this.secrets.capabilityKey,
        trustProxy: this.config.http.trustProxy,
        dashboardToken: () => this.secrets.dashboardToken,
        vapidPublicKey: () => this.secrets.vapid.publicKey,
        unlogged: (record, err) => this.oplog.warn('a log line was not written', { type: record.type, error: errorText(err) }),
        pricing: () => this.config.model,
        agentBudgets: () => ({ maxTurns: this.config.agent.maxTurns, maxTokens: this.config.agent.maxTokens, maxMinutes: this.config.agent.maxMinutes }),
        streamFailed: (err) => this.oplog.warn('a page\'s live stream stopped; the browser reconnects', { error: errorText(err) }),
        approved: (action) => {
          this.worker?.kick();
          this.desktop?.nudge();
          void rules.offer(action);
        },
        rules: rules.route,
        record: (records) => this.recordAll(records),
        ask: (text, via, waitMs) => askTeam({ store, clock, wake: () => this.decisions?.wake(), signal: this.stopping.signal }, text, via, waitMs),
        pushTest: () => teamPushTest({ store, clock, config: () => this.config, kick: () => this.worker?.kick(), signal: this.stopping.signal }),
        status: () =>
          nodeStatus({
            store,
            clock,
            config: () => this.config,
            daemon: () => ({ pid: process.pid, url: this.address, startedAt: this.startedAt, version: VERSION }),
            worker: () => this.worker?.status(),
            circuit: () => this.decisions?.circuitStatus(),
            rejections: () => this.rejections?.counts(),
          }),
        // `vigil tick` on this node's home: with the open-work digest, read through this node's worker.
        tick: async () => {
          const requested = await enqueueTeamManualTick(store, this.tickWorld(), clock.now(), DIGEST_WAIT_MS);
          this.decisions?.wake();
          return requested;
        },
        // The dreamer starts after the listener: a request before it is told to come back.
        dream: () => this.dreamer?.now() ?? Promise.reject(new VigilError('VIGIL_ERR_NOT_RUNNING', 'this node is still starting')),
        dreamStatus: () => teamDreamStatus(store, this.config.dream, clock.now()),
      };
      // This machine's desktop shows the team's approvals with Approve and Deny (notify.desktop).
      this.desktop = new TeamDesktop({
        store,
        clock,
        home: this.paths.home,
        config: () => this.config,
        approved: appDeps.approved,
        report: (what, err) => this.oplog.warn(what, { error: errorText(err) }),
        ...(this.options.env ? { env: this.options.env } : {}),
      });
      // Every refused delivery is counted and logged on this node's chain (issue 20), its counts saved for the team (team-rejections.ts).
      this.rejections = await TeamRejections.start({ store, clock, record: (record) => this.record(record), warn: (message, fields) => this.oplog.warn(message, fields) });
      const rejections = this.rejections.tally;
      const trustProxy = this.config.http.trustProxy;
      this.http = new HttpFront(teamApp(appDeps), { bodyTimeoutMs }, [
        { method: 'POST', path: GITHUB_WEBHOOK_PATH, load: () => loadWebhookHandler({ intake, secrets: this.secrets.webhookSecrets, bodyTimeoutMs, rejections, proxyKey: this.proxyKey }) },
        // The CLI's Bearer requests on Node's own server, as on a single daemon: no fastify for them.
        { name: "the CLI's API", matches: (req) => cliApiMatches(trustProxy, req, TEAM_API_ROUTES), load: async () => (await import('./cli-api-front.js')).cliApiHandler(teamApi(appDeps), TEAM_API_ROUTES) },
      ]);
      const { host, port } = this.config.http;
      const bound = await this.http.listen(host, port);
      const own = ownAddress(host, bound.port);
      this.address = own.url;
      this.startedAt = clock.now();
      await this.record(eventRecord('daemon.started', { version: VERSION, address: this.address, mode: this.config.permissions.mode, provider: this.config.model.provider, node, store: 'postgres' }, clock.now()));
      this.heartbeat = new TeamHeartbeat(store, leaseSeconds, (message, fields) => this.oplog.warn(message, fields));
      this.heartbeat.start();
      this.decisions.start();
      // The worker reads the GitHub credentials itself from the home and the environment; this process never does.
      this.worker = new TeamWorker({
        home: this.paths.home,
        node,
        store,
        clock,
        ...(this.options.env ? { env: this.options.env } : {}),
        config: () => this.config,
        record: (records) => this.recordAll(records),
        warn: (message, fields) => this.oplog.warn(message, fields),
        workWaiting: () => teamWorkWaiting(store, this.config, clock),
        confirmRole: (role) => store.roles.confirm(role),
        swept: () => this.redelivery?.swept(),
      });
      this.worker.start();
      this.desktop.start();
      this.ticks = new TeamTicks({
        store,
        clock,
        config: () => this.config.tick,
        world: () => this.tickWorld(),
        leaseSeconds,
        enqueued: () => this.decisions?.wake(),
        warn: (message, fields) => this.oplog.warn(message, fields),
      });
      this.ticks.start();
      // Every node fires the reminders that came due, each once (team-reminders.ts).
      this.reminders = new TeamReminders({ store, clock, enqueued: () => this.decisions?.wake(), warn: (message, fields) => this.oplog.warn(message, fields) });
      this.reminders.start();
      this.dreamer = new TeamDreamer({
        store,
        clock,
        config: () => this.config,
        // With a model provider the model consolidates, with the node's key and endpoint, as a home's dream does (src/dream/run.ts).
        consolidator: () => {
          const json = createJsonCompletion(this.config.model, { secrets: this.secrets, env });
          return consolidatorFor(this.config.model, json && consolidationCompletion(json));
        },
        leaseSeconds,
        info: (message, fields) => this.oplog.info(message, fields),
        warn: (message, fields) => this.oplog.warn(message, fields),
      });
      this.dreamer.start();
      let pruneFailures = 0;
      // Every node prunes, two at once harmlessly (src/store/pg/retention.ts); its store.pruned line goes to this node's chain.
      this.pruner = new StorePruner<PgPruneReport>({
        store,
        clock,
        retainDays: () => this.config.store.retainDays,
        record: (record) => void this.record(record).catch((err: unknown) => this.oplog.warn('a store.pruned line was not logged', { error: errorText(err) })),
        trouble: {
          failed: (task, err) => {
            pruneFailures++;
            this.oplog.warn(`${task} failed`, { error: errorText(err), retryInMs: PRUNE_RETRY_MS });
            return PRUNE_RETRY_MS;
          },
          succeeded: (task) => {
            if (pruneFailures > 0) this.oplog.info(`${task} ran again`, { failures: pruneFailures });
            pruneFailures = 0;
          },
        },
      });
      this.pruner.start();
      // Published with every part of the node up, before the sweep and the smee channel (which
      // wait on GitHub and smee): the CLI and /healthz reach it then (a failed start removes it).
      writeDaemonInfo(this.paths.daemon, { pid: process.pid, host: own.host, port: bound.port, url: this.address, startedAt: new Date(this.startedAt).toISOString(), version: VERSION, node });
      await this.syncRedelivery();
      await this.startProxy();
    } catch (err) {
      await this.stop('start failed').catch(() => undefined);
      throw err;
    }
  }

  stop(reason = 'stopped'): Promise<void> {
    this.stopped ??= this.shutdown(reason);
    return this.stopped;
  }

  /**
   * SIGHUP: the webhook filter, the provider, the rules and the tick schedule follow the
   * new config (a decision in flight finishes with the old provider); the store's URL and
   * lease need a restart.
   */
  async reload(): Promise<boolean> {
    let next: Readonly<Config>;
    let decider: TeamDecider;
    try {
      next = loadConfig(this.paths.config, this.options.env ?? process.env);
      if (next.store.url !== this.config.store.url || next.store.leaseSeconds !== this.config.store.leaseSeconds) {
        throw new VigilError('VIGIL_ERR_CONFIG', 'store.url and store.leaseSeconds take effect at the next start');
      }
      decider = this.decider(next);
    } catch (err) {
      await this.record(eventRecord('config.reload_failed', { error: errorText(err) }, this.options.clock.now())).catch(() => undefined);
      return false;
    }
    this.config = next;
    this.oplog.setLevel(next.log.level);
    this.decisions?.reconfigure(decider);
    await this.syncRedelivery();
    // The worker re-checks each action against the permissions: the next one gets the new config.
    this.worker?.recycle();
    await this.record(eventRecord('config.reloaded', {}, this.options.clock.now())).catch(() => undefined);
    return true;
  }

  /** What the node decides with under `config` (team-brain.ts); throws when its provider cannot be built. */
  private decider(config: Readonly<Config>): TeamDecider {
    return teamDecider(config, this.store, this.brainParts());
  }

  private tickWorld(): TeamWorldOptions {
    return teamTickWorld(this.config, this.brainParts());
  }

  private brainParts(): TeamBrainParts {
    return {
      secrets: this.secrets,
      env: this.options.env ?? process.env,
      clock: this.options.clock,
      home: this.paths.home,
      heartbeatFile: this.paths.heartbeat,
      githubRead: (query, signal) => this.githubRead(query, signal),
      record: (record) => void this.record(record).catch((err: unknown) => this.oplog.warn('a decision.tool line was not logged', { error: errorText(err) })),
    };
  }

  private githubRead(query: GithubQuery, signal: AbortSignal): Promise<string> {
    const worker = this.worker;
    return worker ? worker.query(query, signal) : Promise.reject(new VigilError('VIGIL_ERR_WORKER', 'the node\'s worker has not started yet'));
  }

  /** The last word of a crashing process: the daily log if the database still takes it. */
  recordCrash(err: unknown, exitCode: number): void {
    const error = (err as Error)?.stack ?? String(err);
    void this.record(eventRecord('daemon.crashed', { error, exitCode }, this.options.clock.now())).catch(() => undefined);
    removeDaemonInfo(this.paths.daemon);
    this.releaseLock?.();
  }

  /**
   * github.webhookProxyUrl (a smee channel), as on SQLite (own-proxy.ts). Every node of a
   * team with the URL subscribes; each delivery is stored once all the same (its id and
   * its body's digest are unique keys), and any node left alive still receives.
   */
  private async startProxy(): Promise<void> {
    const source = this.config.github.webhookProxyUrl;
    if (!source) return;
    this.proxy = await startOwnProxy({
      source,
      target: `${this.address}${GITHUB_WEBHOOK_PATH}?proxy=${this.proxyKey}`,
      stopped: () => this.stopped !== undefined,
      warn: (message, fields) => this.oplog.warn(message, fields),
    });
  }

  private async shutdown(reason: string): Promise<void> {
    this.stopping.abort();
    this.heartbeat?.stop();
    await this.ticks?.stop();
    await this.reminders?.stop();
    await this.dreamer?.stop();
    await this.pruner?.stop();
    await this.redelivery?.stop();
    await this.desktop?.stop();
    await this.proxy?.stop().catch(() => undefined);
    await this.http?.close(HTTP_DRAIN_MS);
    await this.rejections?.close();
    await this.intake?.close();
    await Promise.all([this.decisions?.stop(DECISIONS_DRAIN_MS), this.worker?.stop(WORKER_DRAIN_MS)]);
    if (this.store) {
      await this.record(eventRecord('daemon.stopped', { reason }, this.options.clock.now())).catch(() => undefined);
      await this.store.close().catch(() => undefined);
    }
    removeDaemonInfo(this.paths.daemon);
    this.releaseLock?.();
  }

  /**
   * A node sweeps for missed deliveries, as the SQLite daemon does, only with a hook id
   * and GitHub credentials (their presence: the worker reads them); SIGHUP may add or
   * remove the hook.
   */
  private async syncRedelivery(): Promise<void> {
    const store = this.store;
    const wanted = this.config.github.hookId !== undefined && hasGithubCredentials(this.secrets);
    if (wanted && !this.redelivery && store && !this.stopped) {
      this.redelivery = new TeamRedelivery({
        store,
        clock: this.options.clock,
        leaseSeconds: this.config.store.leaseSeconds,
        sweep: () => this.worker?.sweep() ?? false,
        warn: (message, fields) => this.oplog.warn(message, fields),
      });
      this.redelivery.start();
    } else if (!wanted && this.redelivery) {
      const stopping = this.redelivery;
      this.redelivery = undefined;
      await stopping.stop();
    }
  }

  private record(record: EventRecord): Promise<void> {
    return this.recordAll([record]);
  }

  private async recordAll(records: EventRecord[]): Promise<void> {
    const store = this.store;
    if (!store) return;
    await store.transaction((tx) => store.log.append(tx, records));
  }
}

import crypto from 'node:crypto';
import { hasGithubCredentials, loadConfig, loadDaemonSecrets, type Config, type Secrets } from '../config/index.js';
import { homePaths, removeDaemonInfo, writeDaemonInfo, type HomePaths } from '../home/index.js';
import type { Clock } from '../clock.js';
import { eventRecord } from '../events.js';
import type { Initiative } from '../initiative/index.js';
import { Journal } from '../journal/index.js';
import { DailyLog } from '../logs/index.js';
import { createProvider, type ProviderDeps } from '../model/index.js';
import { OwnerReach } from '../notify/index.js';
import { Checkpointer, DAEMON_BUSY_TIMEOUT_MS, Store } from '../store/index.js';
import type { TickService } from '../tick/index.js';
import {
  GITHUB_WEBHOOK_PATH,
  loadWebhookHandler,
  RejectionTally,
  REJECTIONS_HOUR_MS,
  WebhookIntake,
  type WebhookProxy,
  type WebhookRouteOptions,
} from '../triggers/index.js';
import { VERSION } from '../version.js';
import { buildApiApp, type DaemonApi } from './api.js';
import { daemonApi } from './daemon-api.js';
import { API_ROUTES, cliApiMatches } from './api-routes.js';
import { buildInitiative, buildTicks, openWorkOf, type BrainParts } from './brain.js';
import { recoverFromCrash } from './crash-recovery.js';
import { HttpFront } from './http.js';
import { ownAddress } from './own-address.js';
import { startOwnProxy } from './own-proxy.js';
import { IntakePacer } from './pacer.js';
import { silentOplog, stringLeaves, type Oplog } from './oplog.js';
import { acquireDaemonLock } from './lock.js';
import { statusReport } from './status.js';
import { StoreTrouble } from './store-trouble.js';
import { DreamScheduler } from './dream-scheduler.js';
import { IdleTrim } from './idle-trim.js';
import { OwnerApprovals } from './owner-approvals.js';
import { StorePruner } from './pruner.js';
import { WorkerSupervisor } from './worker-supervisor.js';
import { SWEEP_INTERVAL_MS } from './sweep-due.js';
import { AskWaiters } from './asks.js';
import { errorText } from '../errors.js';

export interface DaemonOptions {
  home: string;
  clock: Clock;
  env?: NodeJS.ProcessEnv;
  /** Operational log lines for whoever runs the daemon (journald collects stdout); silent when absent. */
  oplog?: Oplog;
}

/** SIGTERM must end within 10 s (systemd's default stop timeout is longer; ours is a promise). */
const WORKER_DRAIN_MS = 7000;
const HTTP_DRAIN_MS = 1500;
/** A dream child asked to stop (its writes are atomic) is killed after this. */
const DREAM_DRAIN_MS = 1000;

/**
 * The always-on process: intake (HTTP, schedule), the initiative, the approval
 * expiry timer, and the worker's supervisor. Start and stop are ordered; stop is
 * idempotent: intake → in-flight work → worker → logs → database.
 */
export class Daemon {
  readonly paths: HomePaths;
  readonly oplog: Oplog;
  private config!: Readonly<Config>;
  private secrets!: Secrets;
  private store!: Store;
  private log!: DailyLog;
  private journal!: Journal;
  private tick!: TickService;
  private initiative!: Initiative;
  private supervisor!: WorkerSupervisor;
  private http!: HttpFront;
  private intake!: WebhookIntake;
  /** Refused deliveries, counted and logged (issue 20). */
  private rejections!: RejectionTally;
  /** Marks the requests of vigil's own smee client (their refusals name the delivery). */
  private readonly proxyKey = crypto.randomBytes(16).toString('hex');
  private readonly pacer = new IntakePacer();
  /** `POST /api/ask` requests waiting for their instruction's decision. */
  private readonly asks = new AskWaiters();
  private checkpointer: Checkpointer | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private proxy: WebhookProxy | undefined;
  private releaseLock: (() => void) | undefined;
  /** Answers, expiry and rule offers (owner-approvals.ts). */
  private approvals!: OwnerApprovals;
  /** Queues approval notifications, digests and tests for the worker, which holds the channel credentials. */
  private reach!: OwnerReach;
  /** Dreams when the owner is idle (issue 5), in a child process. */
  private dreams!: DreamScheduler;
  /** Prunes what `store.retainDays` no longer keeps (issue 18). */
  private pruner: StorePruner | undefined;
  /** Gives back the heap that work grew into, once the daemon is quiet (idle-trim.ts). */
  private readonly idleTrim = new IdleTrim();
  /** Timers that cannot reach the store report here and try again later (issue 12). */
  private trouble!: StoreTrouble;
  private startedAt = 0;
  private address = '';
  private stopped: Promise<void> | undefined;

  constructor(private readonly options: DaemonOptions) {
    this.paths = homePaths(options.home);
    this.oplog = options.oplog ?? silentOplog();
  }

  async start(): Promise<void> {
    const { clock } = this.options;
    const env = this.options.env ?? process.env;
    // Everything that can be wrong with the config fails here, before anything runs.
    this.config = loadConfig(this.paths.config, env);
    // The GitHub credentials are the worker's: the daemon never reads them, and recognises
    // a copy (in an issue, a prompt, a proposal) by fingerprint (src/config/daemon-secrets.ts).
    this.secrets = loadDaemonSecrets(this.paths.secrets, env);
    this.oplog.setLevel(this.config.log.level);
    this.oplog.redactValues(stringLeaves(this.secrets));
    createProvider(this.config.model, this.config.rules, this.providerDeps());
    this.releaseLock = acquireDaemonLock(this.paths.home);
    try {
      this.store = Store.open(this.paths.db);
      this.checkpointer = new Checkpointer(this.store.db, this.paths.db);
      this.store.onCommit = () => this.checkpointer?.noteWrite();
      this.log = new DailyLog({ dir: this.paths.logs, clock });
      this.journal = new Journal(this.store, this.log, this.paths.logs);
      this.journal.flush();
      recoverFromCrash({ store: this.store, journal: this.journal, logsDir: this.paths.logs, github: this.config.github, now: clock.now() });
      // Start-up could wait for another process's lock; from here on the loop must not.
      this.store.setBusyTimeout(DAEMON_BUSY_TIMEOUT_MS);
      this.trouble = new StoreTrouble({ oplog: this.oplog, record: (r) => this.journal.write(r), clock });
      this.supervisor = new WorkerSupervisor({
        home: this.paths.home,
        store: this.store,
        journal: this.journal,
        clock,
        env,
        config: () => this.config,
        trouble: this.trouble,
      });
      this.reach = new OwnerReach({
        store: this.store,
        clock,
        config: () => this.config,
        kick: () => this.supervisor.kick(),
        ...this.storeHooks(),
        // A desktop popup's Approve / Deny: the same path as the CLI's, by "desktop".
        answerFromDesktop: (id, answer) => {
          this.approvals.answer(id, answer, 'desktop');
        },
        report: (what, err) => this.oplog.warn(what, { error: errorText(err) }),
        env,
      });
      this.approvals = new OwnerApprovals({
        store: this.store,
        clock,
        journal: this.journal,
        reach: this.reach,
        trouble: this.trouble,
        permissions: () => this.config.permissions,
        kick: () => this.supervisor.kick(),
        warn: (message, fields) => this.oplog.warn(message, fields),
      });
      this.dreams = new DreamScheduler({
        paths: this.paths,
        store: this.store,
        journal: this.journal,
        clock,
        config: () => this.config.dream,
        env,
        onDigest: () => this.supervisor.kick(),
        onError: (err) => this.trouble.failed('dream scheduler', err),
      });
      this.buildBrain();
      this.intake = new WebhookIntake({
        store: this.store,
        journal: this.journal,
        clock,
        filter: () => this.config.github,
        onStored: (count) => {
          this.pacer.noteDelivery(count);
          this.initiative.wake();
        },
      });
      this.rejections = new RejectionTally({
        clock,
        record: (record) => this.journal.write(record),
        load: () => this.store.kv.get('webhook.rejections'),
        save: (log) => this.store.kv.set('webhook.rejections', log),
        notifyOwner: (cause) =>
          this.reach.alert(`webhooks-failing:${clock.now()}`, 'vigil: deliveries are failing verification', `Deliveries are arriving but failing verification: ${cause}. See vigil doctor.`),
      });
      const api = this.api();
      // Read once: trustProxy, like the app itself, takes effect at the next start.
      const { trustProxy } = api;
      this.http = new HttpFront((factory) => buildApiApp(api, factory), { bodyTimeoutMs: this.bodyTimeoutMs() }, [
        // Outside the login: a delivery is authenticated by its signature.
        { method: 'POST', path: GITHUB_WEBHOOK_PATH, load: () => loadWebhookHandler(this.webhookRouteOptions()) },
        // The CLI's Bearer requests, without loading fastify into an idle daemon.
        { name: "the CLI's API", matches: (req) => cliApiMatches(trustProxy, req, API_ROUTES), load: async () => (await import('./cli-api-front.js')).cliApiHandler(api, API_ROUTES) },
      ]);
      const { host, port } = this.config.http;
      const bound = await this.http.listen(host, port);
      const own = ownAddress(host, bound.port);
      this.address = own.url;
      this.startedAt = clock.now();
      writeDaemonInfo(this.paths.daemon, {
        pid: process.pid,
        host: own.host,
        port: bound.port,
        url: this.address,
        startedAt: new Date(this.startedAt).toISOString(),
        version: VERSION,
      });
      const started = { version: VERSION, address: this.address, mode: this.config.permissions.mode, provider: this.config.model.provider };
      this.journal.write(eventRecord('daemon.started', started, clock.now()));
      this.tick.start();
      this.initiative.wake();
      this.approvals.arm();
      this.reach.catchUp();
      this.reach.start();
      this.dreams.start();
      this.pruner = new StorePruner({
        store: this.store,
        clock,
        retainDays: () => this.config.store.retainDays,
        record: (record) => this.journal.write(record),
        trouble: this.trouble,
      });
      this.pruner.start();
      this.idleTrim.start();
      this.startGithubSweeps();
      await this.startProxy();
      if (this.store.actions.countInState('approved') > 0) this.supervisor.kick();
    } catch (err) {
      await this.stop('start failed').catch(() => undefined);
      throw err;
    }
  }

  get url(): string {
    return this.address;
  }

  stop(reason = 'stopped'): Promise<void> {
    this.stopped ??= this.shutdown(reason);
    return this.stopped;
  }

  /** SIGHUP: re-read config.json; an invalid one is refused and the old one kept. */
  async reload(): Promise<boolean> {
    const now = this.options.clock.now();
    let next: Readonly<Config>;
    try {
      next = loadConfig(this.paths.config, this.options.env ?? process.env);
      createProvider(next.model, next.rules, this.providerDeps());
    } catch (err) {
      this.journal.write(eventRecord('config.reload_failed', { error: errorText(err) }, now));
      return false;
    }
    this.tick.stop();
    await this.initiative.stop();
    this.config = next;
    this.oplog.setLevel(next.log.level);
    this.buildBrain();
    this.tick.start();
    this.initiative.wake();
    this.supervisor.recycle();
    this.intake.refreshFilter();
    this.journal.write(eventRecord('config.reloaded', {}, now));
    return true;
  }

  private async shutdown(reason: string): Promise<void> {
    const now = () => this.options.clock.now();
    this.tick?.stop();
    this.approvals?.stop();
    clearInterval(this.sweepTimer);
    this.reach?.stop();
    await this.proxy?.stop().catch(() => undefined);
    await this.http?.close(HTTP_DRAIN_MS);
    this.rejections?.close();
    await this.intake?.close();
    await this.initiative?.stop();
    await this.dreams?.stop(DREAM_DRAIN_MS);
    await this.pruner?.stop();
    this.idleTrim.stop();
    await this.supervisor?.stop(WORKER_DRAIN_MS);
    if (this.journal) {
      this.journal.flush();
      this.journal.write(eventRecord('daemon.stopped', { reason }, now()));
      this.journal.compact();
    }
    this.log?.close();
    this.checkpointer?.close();
    this.store?.close();
    removeDaemonInfo(this.paths.daemon);
    this.releaseLock?.();
  }

  /** The parts that depend on config (brain.ts): rebuilt on reload. */
  private buildBrain(): void {
    const parts = this.brainParts();
    this.initiative = buildInitiative(this.config, parts);
    this.tick = buildTicks(this.config, parts, () => this.initiative.wake());
  }

  private brainParts(): BrainParts {
    return {
      store: this.store,
      journal: this.journal,
      clock: this.options.clock,
      paths: this.paths,
      secrets: this.secrets,
      providerDeps: this.providerDeps(),
      githubRead: this.githubRead,
      hooks: {
        onAnswered: (answer) => this.asks.answered(answer),
        onApproved: () => this.supervisor.kick(),
        pace: () => this.pacer.pace(),
        ...this.storeHooks(),
        onApprovalRequested: (actions) => {
          for (const a of actions) this.oplog.info('approval needed', { actionId: a.id, action: a.action, answer: `vigil approve ${a.id}` });
          this.reach.approvalsRequested(actions.map((a) => a.id));
          this.approvals.arm();
        },
      },
      tickFailed: (err) => this.trouble.failed('tick', err),
    };
  }

  /** A decision's or a tick's GitHub read, answered by the worker, which alone holds the credentials. */
  private readonly githubRead: BrainParts['githubRead'] = (query, signal) => this.supervisor.query(query, signal);

  /** Model providers get every secret: none may leave through a prompt or a log line. */
  private providerDeps(): ProviderDeps {
    return { secrets: this.secrets, env: this.options.env ?? process.env, clock: this.options.clock };
  }

  /** How the decision loop and the owner's notices report a store they cannot use, and its return. */
  private storeHooks(): { storeFailed: (task: string, err: unknown) => number; storeRecovered: (task: string) => void } {
    return { storeFailed: (task, err) => this.trouble.failed(task, err), storeRecovered: (task) => this.trouble.succeeded(task) };
  }

  /**
   * GitHub never retries a failed delivery by itself: with a token and a hook id the
   * worker (which holds the token) looks for missed ones at start and every hour.
   */
  private startGithubSweeps(): void {
    if (!this.config.github.hookId || !hasGithubCredentials(this.secrets)) return;
    this.supervisor.sweep();
    this.sweepTimer = setInterval(() => this.supervisor.sweep(), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

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

  /**
   * The process-level handler's last word (src/cli/commands/lifecycle.ts): the error in
   * the daily log if it can still be written, and the home's address withdrawn. The
   * caller exits 70; the service manager restarts vigil, whose start releases what this
   * one held (claims, running actions).
   */
  recordCrash(err: unknown, exitCode: number): void {
    const error = (err as Error)?.stack ?? String(err);
    try {
      // Undefined when the crash came before the store opened.
      const journal = this.journal as Journal | undefined;
      journal?.write(eventRecord('daemon.crashed', { error, exitCode }, this.options.clock.now()));
    } catch {
      // The log is out of reach; stdout has the line.
    }
    removeDaemonInfo(this.paths.daemon);
    this.releaseLock?.();
  }

  private bodyTimeoutMs(): number {
    return this.config.http.bodyTimeoutSeconds * 1000;
  }

  private webhookRouteOptions(): WebhookRouteOptions {
    return {
      intake: this.intake,
      secrets: this.secrets.webhookSecrets,
      bodyTimeoutMs: this.bodyTimeoutMs(),
      rejections: this.rejections,
      proxyKey: this.proxyKey,
    };
  }

  private api(): DaemonApi {
    return daemonApi({
      paths: this.paths,
      env: this.options.env ?? process.env,
      clock: this.options.clock,
      store: this.store,
      journal: this.journal,
      reach: this.reach,
      dreams: this.dreams,
      asks: this.asks,
      secrets: () => this.secrets,
      config: () => this.config,
      status: () =>
        statusReport({
          store: this.store,
          config: this.config,
          now: this.options.clock.now(),
          daemon: { pid: process.pid, url: this.address, startedAt: this.startedAt, version: VERSION },
          worker: this.supervisor.status(),
          nextTick: this.tick.nextRun(),
          circuit: this.initiative.circuitStatus(),
          rejections: this.rejections.summary(REJECTIONS_HOUR_MS),
        }),
      wake: () => this.initiative.wake(),
      openWork: () => openWorkOf(this.config, { secrets: this.secrets, githubRead: this.githubRead }),
      answer: (id, answer, by, reason) => this.approvals.answer(id, answer, by, reason),
      reload: () => this.reload(),
    });
  }
}

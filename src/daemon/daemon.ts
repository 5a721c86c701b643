import crypto from 'node:crypto';
import path from 'node:path';
import { loadConfig, loadDaemonSecrets, type Config, type Secrets } from '../config/index.js';
import { homePaths, removeDaemonInfo, writeDaemonInfo, type HomePaths } from '../home/index.js';
import type { Clock } from '../clock.js';
import { eventRecord } from '../events.js';
import { decisionToolbox, expireApprovals, Initiative, ownerProfile, triageConfig } from '../initiative/index.js';
import type { GithubQuery } from '../github-api/index.js';
import { githubApiUrl, githubWebUrl } from '../github-urls.js';
import { Journal } from '../journal/index.js';
import { DailyLog } from '../logs/index.js';
import { createProvider, dayUsage, usageReport, type ProviderDeps } from '../model/index.js';
import { OwnerReach } from '../notify/index.js';
import {
  acceptRuleSuggestion,
  answerApproval,
  cancelAgentTask,
  considerRuleSuggestion,
  editMemoryFact,
  recordInstruction,
  requestTick,
  dreamStatus,
  startDream,
  type OperationDeps,
} from '../operations/index.js';
import { Checkpointer, DAEMON_BUSY_TIMEOUT_MS, Store, type ActionRecord } from '../store/index.js';
import type { OwnerChannel } from '../policy/index.js';
import { openWorkRepos, openWorkSource, TickService, type OpenWorkSource } from '../tick/index.js';
import {
  GITHUB_WEBHOOK_PATH,
  loadWebhookHandler,
  indexSpooledDeliveries,
  logUnloggedDeliveries,
  RejectionTally,
  REJECTIONS_HOUR_MS,
  startWebhookProxy,
  WebhookIntake,
  type WebhookProxy,
  type WebhookRouteOptions,
} from '../triggers/index.js';
import { VERSION } from '../version.js';
import { buildApiApp, type DaemonApi } from './api.js';
import { API_ROUTES, cliApiMatches } from './api-routes.js';
import { HttpFront } from './http.js';
import { IntakePacer } from './pacer.js';
import { silentOplog, stringLeaves, type Oplog } from './oplog.js';
import { acquireDaemonLock } from './lock.js';
import { statusReport } from './status.js';
import { StoreTrouble } from './store-trouble.js';
import { DreamScheduler } from './dream-scheduler.js';
import { IdleTrim } from './idle-trim.js';
import { StorePruner } from './pruner.js';
import { WorkerSupervisor } from './worker-supervisor.js';
import { SWEEP_INTERVAL_MS } from './sweep-due.js';
import { AskWaiters } from './asks.js';
import { MemoryFiles, nodeMemoryFs } from '../memory/index.js';
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
  private expiryTimer: NodeJS.Timeout | undefined;
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
      this.recoverFromCrash();
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
          this.answerApproval(id, answer, 'desktop');
        },
        report: (what, err) => this.oplog.warn(what, { error: errorText(err) }),
        env,
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
      const clientHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
      this.address = `http://${clientHost.includes(':') ? `[${clientHost}]` : clientHost}:${bound.port}`;
      this.startedAt = clock.now();
      writeDaemonInfo(this.paths.daemon, {
        pid: process.pid,
        host: clientHost,
        port: bound.port,
        url: this.address,
        startedAt: new Date(this.startedAt).toISOString(),
        version: VERSION,
      });
      const started = { version: VERSION, address: this.address, mode: this.config.permissions.mode, provider: this.config.model.provider };
      this.journal.write(eventRecord('daemon.started', started, clock.now()));
      this.tick.start();
      this.initiative.wake();
      this.armExpiry();
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
    clearTimeout(this.expiryTimer);
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

  /** The parts that depend on config: rebuilt on reload. */
  private buildBrain(): void {
    const { config, store, journal } = this;
    const { clock } = this.options;
    this.initiative = new Initiative({
      store,
      journal,
      clock,
      provider: createProvider(config.model, config.rules, this.providerDeps()),
      permissions: config.permissions,
      repos: config.repos,
      memoryDir: this.paths.memory,
      logsDir: this.paths.logs,
      triage: triageConfig(config),
      coalesceMs: config.github.coalesceSeconds * 1000,
      owner: ownerProfile(config.owner, config.tick.timezone),
      voice: { login: config.github.ownerLogin, handle: config.owner.handle ?? 'vigil' },
      onAnswered: (answer) => this.asks.answered(answer),
      heartbeatFile: this.paths.heartbeat,
      toolbox: decisionToolbox({
        model: config.model,
        repos: config.repos,
        store,
        memoryDir: this.paths.memory,
        logsDir: this.paths.logs,
        journal,
        clock,
        ...(this.secrets.githubToken || this.secrets.githubApp || this.secrets.githubWithheld
          ? { githubReads: (query: GithubQuery, signal: AbortSignal) => this.supervisor.query(query, signal) }
          : {}),
      }),
      onApproved: () => this.supervisor.kick(),
      pace: () => this.pacer.pace(),
      ...this.storeHooks(),
      onApprovalRequested: (actions) => {
        for (const a of actions) this.oplog.info('approval needed', { actionId: a.id, action: a.action, answer: `vigil approve ${a.id}` });
        this.reach.approvalsRequested(actions.map((a) => a.id));
        this.armExpiry();
      },
    });
    this.tick = new TickService(config.tick, config.repos, {
      store,
      journal,
      clock,
      onEnqueued: () => this.initiative.wake(),
      onError: (err) => this.trouble.failed('tick', err),
      workingHours: config.owner.workingHours,
      openWork: this.openWork(),
    });
  }

  /**
   * The ticks' open-work digest (issue 15), asked of the worker like a decision's reads:
   * only with GitHub credentials, which the worker holds and the daemon never does.
   */
  private openWork(): OpenWorkSource | undefined {
    const { config, secrets } = this;
    if (!(secrets.githubToken || secrets.githubApp || secrets.githubWithheld)) return undefined;
    const repos = openWorkRepos(config);
    if (!repos.length) return undefined;
    return openWorkSource({
      reads: (query, signal) => this.supervisor.query(query, signal),
      repos,
      owner: config.github.ownerLogin,
      staleDays: config.tick.staleDays,
    });
  }

  /** Model providers get every secret: none may leave through a prompt or a log line. */
  private providerDeps(): ProviderDeps {
    return { secrets: this.secrets, env: this.options.env ?? process.env, clock: this.options.clock };
  }

  /** The previous daemon died: its claims are void, its worker's running actions return to the queue. */
  private recoverFromCrash(): void {
    const now = this.options.clock.now();
    indexSpooledDeliveries(this.store, this.config.github);
    const unlogged = logUnloggedDeliveries(this.store, this.paths.logs, now);
    if (unlogged.length) this.journal.writeMany(unlogged);
    this.store.inbox.releaseClaims();
    this.store.transaction(() => {
      const { retried } = this.store.actions.releaseRunning(now, Number.MAX_SAFE_INTEGER);
      for (const id of retried) {
        this.journal.stage(eventRecord('action.released', { actionId: id, reason: 'the previous daemon stopped' }, now));
      }
    });
    this.journal.flush();
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
    if (!this.config.github.hookId || !(this.secrets.githubToken || this.secrets.githubApp || this.secrets.githubWithheld)) return;
    this.supervisor.sweep();
    this.sweepTimer = setInterval(() => this.supervisor.sweep(), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  private async startProxy(): Promise<void> {
    const source = this.config.github.webhookProxyUrl;
    if (!source) return;
    try {
      const proxy = await startWebhookProxy({ source, target: `${this.address}/webhooks/github?proxy=${this.proxyKey}`, print: (l) => this.oplog.warn(l) });
      // A stop that came while smee-client loaded must not leave the channel open.
      if (this.stopped) await proxy.stop();
      else this.proxy = proxy;
    } catch (err) {
      // The proxy is a convenience; the daemon and its direct route keep working without it.
      this.oplog.warn('webhook proxy could not start', { source, error: errorText(err) });
    }
  }

  /**
   * Expire what is due and sleep until the next expiry. Another process holding the
   * store's lock fails the round without freezing the loop; it comes again after a
   * backoff, and each approval still expires once (the transition is guarded).
   */
  private armExpiry(): void {
    clearTimeout(this.expiryTimer);
    if (this.stopped) return;
    const { clock } = this.options;
    const round = this.trouble.attempt('approval expiry', () => {
      if (expireApprovals(this.store, clock.now()) > 0) {
        this.journal.flush();
        this.reach.approvalsSettled();
      }
      return this.store.actions.nextExpiry();
    });
    let delay: number;
    if (!round.ok) delay = round.retryInMs;
    else if (round.value === undefined) return;
    else delay = Math.min(Math.max(round.value - clock.now(), 0) + 50, 3_600_000);
    this.expiryTimer = setTimeout(() => this.armExpiry(), delay);
    this.expiryTimer.unref();
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

  /** What the owner's operations (src/operations) run on in the daemon: its store, clock and journal. */
  private operationDeps(): OperationDeps {
    return { store: this.store, clock: this.options.clock, journal: this.journal };
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
    return {
      dashboardToken: () => this.secrets.dashboardToken,
      store: this.store,
      clock: this.options.clock,
      logsDir: this.paths.logs,
      memoryDir: this.paths.memory,
      githubWebUrl: githubWebUrl(githubApiUrl(this.options.env ?? process.env)),
      usageOfDay: (day) => dayUsage(day, this.store.usage.totals(day), this.config.model),
      trustProxy: this.config.http.trustProxy,
      capabilityKey: () => this.secrets.capabilityKey,
      vapidPublicKey: () => this.secrets.vapid.publicKey,
      record: (record) => this.journal.write(record),
      reach: this.reach,
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
      tick: async () => ({
        ...(await requestTick({ ...this.operationDeps(), config: this.config, onEnqueued: () => this.initiative.wake(), openWork: this.openWork() })),
      }),
      dream: () => startDream(this.dreams),
      dreamStatus: () => dreamStatus({ store: this.store, clock: this.options.clock, home: this.paths.home, logsDir: this.paths.logs, config: this.config }),
      cancel: (id) => cancelAgentTask(this.operationDeps(), id),
      ask: (text, via, waitMs) => {
        const { eventId } = recordInstruction(this.operationDeps(), text, via);
        const answer = this.asks.wait(eventId, waitMs);
        this.initiative.wake();
        return answer;
      },
      agentDir: path.join(this.paths.home, 'agent'),
      agentBudgets: () => ({ maxTurns: this.config.agent.maxTurns, maxTokens: this.config.agent.maxTokens, maxMinutes: this.config.agent.maxMinutes }),
      costOf: (model, usage) => {
        const report = usageReport('', [{ model, purpose: 'agent', calls: 1, ...usage }], this.config.model);
        return report.models[0]?.estimatedCostUsd ?? null;
      },
      editMemoryFact: (edit) =>
        editMemoryFact({ ...this.operationDeps(), home: this.paths.home, files: new MemoryFiles(this.paths.memory, nodeMemoryFs, this.options.clock) }, edit),
      approvals: () => this.store.actions.pendingApprovals(),
      answer: (id, answer, by, reason) => this.answerApproval(id, answer, by, reason),
      // A suggested rule's link (issue 15): into config.json, then reloaded like a SIGHUP.
      acceptRule: async (id, nonce) => {
        const accepted = acceptRuleSuggestion(this.operationDeps(), { configFile: this.paths.config, id, nonce, by: 'push' });
        const reloaded = await this.reload();
        return { id, state: accepted.suggestion.state, rule: accepted.rule, added: accepted.added, reloaded };
      },
    };
  }

  /** After an approval: the rule the owner keeps granting by hand, offered once it is due (issue 15). */
  private offerRule(approved: ActionRecord): void {
    try {
      const offer = considerRuleSuggestion(this.operationDeps(), this.config.permissions, approved);
      if (offer) this.reach.ruleSuggested(offer.id);
    } catch (err) {
      // The answer is recorded; a suggestion is a courtesy that can come with the next approval.
      this.oplog.warn('rule suggestion failed', { error: errorText(err) });
    }
  }

  /** Every owner's answer (CLI through the API, dashboard, push, a desktop popup) goes this one way. */
  private answerApproval(id: string, answer: 'approve' | 'deny', by: OwnerChannel, reason?: string): ActionRecord {
    return answerApproval(
      {
        ...this.operationDeps(),
        onAnswered: (action) => {
          if (action.state === 'approved') {
            this.supervisor.kick();
            this.offerRule(action);
          }
          this.armExpiry();
          this.reach.approvalsSettled();
        },
      },
      id,
      answer,
      by,
      reason,
    );
  }
}

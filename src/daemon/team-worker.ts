/**
 * A team node's execution worker, from the node's side (issue 19): forked with the node's
 * name when there is work — a decision of this node's approved some, a GitHub read or a
 * sweep is asked of it, or the database holds work it would claim (team-work-probe.ts,
 * looked at each second while no worker runs) — sent the config the node accepted, told
 * when decisions approved work, restarted with growing delay when it dies. It exits after
 * `exec.idleExitSeconds` without work, as on SQLite, so an idle node is one process. When
 * it exits, the actions it was running go back to approved at once (they are held under
 * its pid, `node:w<pid>`), as the SQLite supervisor returns a dead worker's actions; a
 * node killed with its worker leaves them to its lease instead, and another node's
 * worker takes them over. It is asked to sweep
 * for missed deliveries while the node holds the `redelivery` role, and answers its
 * worker's "does the node still hold it?" from the database (src/exec/team-sweep.ts).
 * It answers the node's decisions' GitHub reads too (`query`, the bookkeeping the SQLite
 * supervisor shares: worker-queries.ts), as the SQLite worker does.
 */
import { SupervisedChild } from '../child/index.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/index.js';
import { errorText, VigilError } from '../errors.js';
import { eventRecord, type EventRecord } from '../events.js';
import { TEAM_WORKER_ENTRY, type FromTeamWorker, type ToTeamWorker, type WorkerRole } from '../exec/index.js';
import type { GithubQuery } from '../github-api/index.js';
import { workerHolder, type PgStore } from '../store/index.js';
import { WorkerQueries } from './worker-queries.js';
import type { WorkerStatus } from './worker-supervisor.js';

export interface TeamWorkerOptions {
  home: string;
  node: string;
  store: PgStore;
  clock: Clock;
  env?: NodeJS.ProcessEnv;
  config: () => Readonly<Config>;
  record: (records: EventRecord[]) => Promise<void>;
  warn: (message: string, fields: Record<string, unknown>) => void;
  /** Whether the worker would find work in the database now (team-work-probe.ts). */
  workWaiting: () => Promise<boolean>;
  /** Whether this node holds `role` now, asked of the database (roles.ts `confirm`). */
  confirmRole: (role: WorkerRole) => Promise<boolean>;
  /** The sweep asked of the worker ended, or the worker running it exited. */
  swept: () => void;
}

const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;
const STABLE_MS = 60_000;
/** The worker's heartbeat is every 5 s: three missed, and it is killed and restarted. */
const HEARTBEAT_TIMEOUT_MS = 15_000;
/** While no worker runs, the database is asked this often whether one would find work. */
const PROBE_MS = 1000;

export class TeamWorker {
  private child: SupervisedChild<ToTeamWorker, FromTeamWorker> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private crashes = 0;
  private restarts = 0;
  private stopping = false;
  /** The worker said `ready` and has its config: a sweep or a query sent now is heard. */
  private ready = false;
  /** A sweep was asked and not yet sent to a ready worker. */
  private pendingSweep = false;
  private probeTimer: NodeJS.Timeout | undefined;
  /** The probe's last look failed (the database away): said once. */
  private probeFailing = false;
  private readonly queries = new WorkerQueries();

  constructor(private readonly options: TeamWorkerOptions) {}

  /** A decision's read-only look at GitHub, answered by the worker, which holds the credentials. */
  query(query: GithubQuery, signal: AbortSignal): Promise<string> {
    if (this.stopping) return Promise.reject(new VigilError('VIGIL_ERR_WORKER', 'vigil is stopping: no GitHub reads now'));
    // A question waits for a worker to be ready, and starts one when none runs.
    return this.queries.ask(query, signal, this.child && this.ready ? this.child : undefined, () => this.spawnIfNone());
  }

  /** Looks for work each second while no worker runs; the first look is now. */
  start(): void {
    this.schedule(0);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** For \`vigil status\`, in the single daemon's shape (worker-supervisor.ts). */
  status(): WorkerStatus {
    const state = this.child ? 'running' : this.restartTimer ? 'backoff' : 'stopped';
    return { state, ...(this.child?.pid ? { pid: this.child.pid } : {}), restarts: this.restarts, consecutiveCrashes: this.crashes };
  }

  /** Decisions approved work: look now rather than at the next poll, starting a worker if none runs. */
  kick(): void {
    if (this.child) this.child.send({ type: 'work' });
    else this.spawnIfNone();
  }

  /** Asks the worker to sweep for missed deliveries, starting one if none runs; false while stopping. */
  sweep(): boolean {
    if (this.stopping) return false;
    this.pendingSweep = true;
    if (this.child && this.ready) this.flushSweep(this.child);
    else this.spawnIfNone();
    return true;
  }

  /** The config changed: the worker finishes its action and exits; the next one gets the new config. */
  recycle(): void {
    this.child?.send({ type: 'drain' });
  }

  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    this.queries.stopping();
    clearTimeout(this.restartTimer);
    clearTimeout(this.probeTimer);
    const child = this.child;
    if (child) await child.stop(() => child.send({ type: 'drain' }), timeoutMs);
  }

  private spawnIfNone(): void {
    if (!this.child && !this.restartTimer && !this.stopping) this.spawn();
  }

  private flushSweep(child: SupervisedChild<ToTeamWorker, FromTeamWorker>): void {
    if (!this.pendingSweep) return;
    this.pendingSweep = false;
    child.send({ type: 'sweep' });
  }

  /** The next look for work in `inMs`, while no worker runs (one that runs polls itself). */
  private schedule(inMs: number): void {
    clearTimeout(this.probeTimer);
    if (this.stopping) return;
    this.probeTimer = setTimeout(() => void this.probe(), inMs).unref();
  }

  private async probe(): Promise<void> {
    this.probeTimer = undefined;
    if (!this.child && !this.restartTimer && !this.stopping) {
      try {
        const waiting = await this.options.workWaiting();
        if (this.probeFailing) this.options.warn('the team database answers the worker probe again', {});
        this.probeFailing = false;
        if (waiting) this.spawnIfNone();
      } catch (err) {
        // The database away: the worker would find nothing it could claim either; looked at again.
        if (!this.probeFailing) this.options.warn('no look for the worker\'s work', { error: errorText(err) });
        this.probeFailing = true;
      }
    }
    this.schedule(PROBE_MS);
  }

  private spawn(): void {
    const { options } = this;
    const child: SupervisedChild<ToTeamWorker, FromTeamWorker> = new SupervisedChild({
      entry: TEAM_WORKER_ENTRY,
      args: [options.node],
      home: options.home,
      ...(options.env ? { env: options.env } : {}),
      onMessage: (message) => {
        if (message.type === 'ready') {
          child.send({ type: 'config', config: options.config() });
          this.ready = true;
          this.flushSweep(child);
          this.queries.sendTo(child);
        } else if (message.type === 'answer') {
          this.queries.answered(message);
        } else if (message.type === 'confirm') {
          void this.answerConfirm(child, message);
        } else if (message.type === 'swept') {
          options.swept();
        }
      },
      onExit: (code, signal) => this.onExit(child, code, signal),
      heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS,
    });
    this.child = child;
    this.ready = false;
    this.startedAt = options.clock.now();
    if (child.pid) void this.log([eventRecord('worker.started', { workerPid: child.pid }, options.clock.now())]);
  }

  /** Only the redelivery role's work runs in the worker: any other name is answered no. */
  private async answerConfirm(child: SupervisedChild<ToTeamWorker, FromTeamWorker>, message: Extract<FromTeamWorker, { type: 'confirm' }>): Promise<void> {
    let held: boolean;
    try {
      held = message.role === 'redelivery' && !this.stopping && (await this.options.confirmRole(message.role));
    } catch {
      held = false;
    }
    child.send({ type: 'role', id: String(message.id), held });
  }

  private async onExit(child: SupervisedChild<ToTeamWorker, FromTeamWorker>, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (this.child === child) {
      this.child = undefined;
      this.ready = false;
    }
    this.queries.exited(child, code === 0 && signal === null && !this.stopping, signal ?? `code ${code}`);
    const { options } = this;
    // A sweep it was running ended with it: the node may ask the next worker. One not yet sent goes to the next.
    if (!this.pendingSweep) options.swept();
    const pid = child.pid ?? -1;
    const crashed = code !== 0 || signal !== null;
    let released: string[] = [];
    try {
      released = await options.store.actions.releaseHolder(workerHolder(options.node, pid));
    } catch (err) {
      // The database away: the actions wait for their leases instead.
      options.warn('the exited worker\'s actions could not be released', { workerPid: pid, error: errorText(err) });
    }
    const now = options.clock.now();
    this.crashes = crashed ? (now - this.startedAt > STABLE_MS ? 1 : this.crashes + 1) : 0;
    // After a crash it comes back even without work, so that a crash loop is visible and bounded;
    // after an idle exit (or a drain) only for a question or a sweep that waits — work in the
    // database the probe finds, released actions included.
    const waited = this.queries.waiting || this.pendingSweep;
    const restartInMs = this.stopping ? undefined : crashed ? Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (this.crashes - 1)) : waited ? 0 : undefined;
    await this.log([
      ...released.map((id) => eventRecord('action.released', { actionId: id, reason: `worker ${pid} exited` }, now)),
      eventRecord('worker.exited', { workerPid: pid, code, signal, ...(restartInMs !== undefined ? { restartInMs } : {}) }, now),
    ]);
    if (restartInMs === undefined || this.child) return this.schedule(0);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.stopping && !this.child) {
        this.restarts++;
        this.spawn();
      }
    }, restartInMs).unref();
  }

  private async log(records: EventRecord[]): Promise<void> {
    try {
      await this.options.record(records);
    } catch (err) {
      this.options.warn('worker lines could not be logged', { error: errorText(err) });
    }
  }
}

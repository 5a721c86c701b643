import { SupervisedChild } from '../child/index.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/index.js';
import { VigilError } from '../errors.js';
import { eventRecord } from '../events.js';
import { WORKER_ENTRY, WORKER_MAX_ATTEMPTS, type FromWorker, type ToWorker } from '../exec/index.js';
import type { GithubQuery } from '../github-api/index.js';
import type { JournalWriter } from '../journal/index.js';
import type { Store } from '../store/index.js';
import type { StoreTrouble } from './store-trouble.js';
import { WorkerQueries } from './worker-queries.js';

export interface SupervisorOptions {
  home: string;
  store: Store;
  journal: JournalWriter;
  clock: Clock;
  env?: NodeJS.ProcessEnv;
  /**
   * The config the daemon accepted, sent to each worker when it is ready: a worker never
   * reads config.json, so a file the daemon refused (issue 12) cannot stop it.
   */
  config: () => Readonly<Config>;
  /** Where a release that cannot reach the store waits and reports. */
  trouble: StoreTrouble;
  /** A worker silent for this long is killed and restarted. */
  heartbeatTimeoutMs?: number;
  /** A GitHub read the worker has not answered in this long fails. */
  queryTimeoutMs?: number;
}

export interface WorkerStatus {
  state: 'stopped' | 'running' | 'backoff';
  pid?: number;
  restarts: number;
  consecutiveCrashes: number;
}

const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;
/** A worker that lived this long without crashing resets the backoff. */
const STABLE_MS = 60_000;

/**
 * Starts the execution worker when there is work, restarts it with growing delay when
 * it dies, and returns the actions it was running to the queue: an action never stays
 * `running` behind a dead process. Beside it, `DreamScheduler` runs the dream child on
 * the same kit (src/child: spawn, heartbeat watchdog, ask-then-kill stop).
 */
export class WorkerSupervisor {
  private child: SupervisedChild<ToWorker, FromWorker> | undefined;
  private startedAt = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private crashes = 0;
  private restarts = 0;
  private stopping = false;
  private pendingSweep = false;
  private exited: Promise<void> = Promise.resolve();
  /** The current worker said `ready` and has its config: it can take queries. */
  private ready = false;
  private readonly queries: WorkerQueries;
  private readonly stopSignal = new AbortController();

  constructor(private readonly options: SupervisorOptions) {
    this.queries = new WorkerQueries(options.queryTimeoutMs);
  }

  /** There may be approved work: make sure a worker is (or will be) looking. */
  kick(): void {
    if (this.stopping) return;
    if (this.child) this.send({ type: 'work' });
    else if (!this.restartTimer) this.spawn();
  }

  /** Run the worker's periodic sweep (missed webhook deliveries); starts a worker if none runs. */
  sweep(): void {
    if (this.stopping) return;
    this.pendingSweep = true;
    if (this.child) this.flushSweep();
    else if (!this.restartTimer) this.spawn();
  }

  private flushSweep(): void {
    if (this.pendingSweep && this.child?.connected) {
      this.pendingSweep = false;
      this.send({ type: 'sweep' });
    }
  }

  /**
   * A decision's read-only look at GitHub (issue 14), answered by the worker, which holds
   * the credentials: the daemon holds none. Starts a worker if none runs; the question
   * goes once the worker is ready, beside whatever action it runs. Rejects with the
   * worker's refusal or failure, on the worker's exit, on `signal`, or after ~30 s.
   */
  query(query: GithubQuery, signal: AbortSignal): Promise<string> {
    if (this.stopping) return Promise.reject(new VigilError('VIGIL_ERR_WORKER', 'vigil is stopping: no GitHub reads now'));
    const ready = this.child && this.ready ? this.child : undefined;
    return this.queries.ask(query, signal, ready, () => {
      if (!this.child && !this.restartTimer) this.spawn();
    });
  }

  /** Config changed: let the current worker finish and exit; the next one loads the new config. */
  recycle(): void {
    this.send({ type: 'drain' });
  }

  status(): WorkerStatus {
    const state = this.child ? 'running' : this.restartTimer ? 'backoff' : 'stopped';
    return { state, ...(this.child?.pid ? { pid: this.child.pid } : {}), restarts: this.restarts, consecutiveCrashes: this.crashes };
  }

  /** Ask the worker to finish what it runs, wait up to `timeoutMs`, then kill it. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    this.queries.stopping();
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child) {
      this.stopSignal.abort();
      return;
    }
    this.restartTimer = undefined;
    // Resolves once the exit is handled: its running actions are back in the queue.
    await child.stop(() => this.send({ type: 'drain' }), timeoutMs, () => this.stopSignal.abort());
  }

  private spawn(): void {
    const { options } = this;
    const child: SupervisedChild<ToWorker, FromWorker> = new SupervisedChild({
      entry: WORKER_ENTRY,
      home: options.home,
      ...(options.env ? { env: options.env } : {}),
      onMessage: (message: FromWorker) => this.onMessage(message),
      onExit: (code, signal) => this.onExit(child, code, signal),
      heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 30_000,
    });
    this.child = child;
    this.ready = false;
    this.startedAt = options.clock.now();
    this.exited = child.exited;
    if (child.pid) options.journal.write(eventRecord('worker.started', { workerPid: child.pid }, options.clock.now()));
  }

  private onMessage(message: FromWorker): void {
    // A failed flush (the log's disk full) leaves the records in the outbox for the next one.
    if (message.type === 'flush') this.options.trouble.attempt('log flush', () => this.options.journal.flush());
    if (message.type === 'ready') {
      // The worker listens now (a message sent before would be lost): its config first.
      this.send({ type: 'config', config: this.options.config() });
      this.ready = true;
      this.flushSweep();
      if (this.child) this.queries.sendTo(this.child);
    }
    if (message.type === 'answer') this.queries.answered(message);
  }

  /**
   * The worker's running actions go back to the queue. Another process may hold the
   * store's lock: the release then waits on the loop's timers (never inside SQLite) and
   * the restart waits for it — an action is never claimed twice.
   */
  private async onExit(child: SupervisedChild<ToWorker, FromWorker>, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (this.child === child) this.child = undefined;
    this.queries.exited(child, code === 0 && signal === null && !this.stopping, signal ?? `code ${code}`);
    const { store, journal, clock } = this.options;
    const pid = child.pid ?? -1;
    const crashed = code !== 0 || signal !== null;
    let released: { retried: string[]; failed: string[] };
    try {
      released = await this.options.trouble.retry('worker release', () => this.release(pid), this.stopSignal.signal);
    } catch (err) {
      // Stopping while the store is out of reach: the next start releases them.
      if (this.stopping) return;
      throw err;
    }
    const now = clock.now();
    if (crashed) {
      this.crashes = now - this.startedAt > STABLE_MS ? 1 : this.crashes + 1;
    } else {
      this.crashes = 0;
    }
    const hasWork = released.retried.length > 0 || (await this.options.trouble.retry('worker queue', () => store.actions.countInState('approved') > 0));
    const delay = crashed ? Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (this.crashes - 1)) : 0;
    const restartInMs = !this.stopping && (crashed || hasWork) ? delay : undefined;
    journal.write(
      eventRecord('worker.exited', { workerPid: pid, code, signal, ...(restartInMs !== undefined ? { restartInMs } : {}) }, now),
    );
    // Questions that waited for a worker that never became ready get the next one.
    const waiting = this.queries.waiting;
    const restart = restartInMs ?? (waiting && !this.stopping ? 0 : undefined);
    if (restart === undefined || this.child) return;
    // After a crash the worker comes back even without queued work, so the crash loop is visible and bounded.
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping || this.child) return;
      this.restarts++;
      this.spawn();
    }, restart);
    this.restartTimer.unref();
  }

  private release(pid: number): { retried: string[]; failed: string[] } {
    const { store, journal, clock } = this.options;
    const now = clock.now();
    journal.flush();
    return store.transaction(() => {
      const result = store.actions.releaseRunning(now, WORKER_MAX_ATTEMPTS, pid);
      for (const id of result.retried) {
        journal.stage(eventRecord('action.released', { actionId: id, reason: `worker ${pid} exited` }, now));
      }
      for (const id of result.failed) {
        const error = `the worker died during each of ${WORKER_MAX_ATTEMPTS} attempts`;
        journal.stage(eventRecord('action.failed', { actionId: id, action: store.actions.get(id)?.action ?? '?', error }, now));
      }
      return result;
    });
  }

  private send(message: ToWorker): void {
    this.child?.send(message);
  }
}

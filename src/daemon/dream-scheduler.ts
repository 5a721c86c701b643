import { SupervisedChild } from '../child/index.js';
import type { Config } from '../config/index.js';
import type { HomePaths } from '../home/index.js';
import type { Clock } from '../clock.js';
import { VigilError } from '../errors.js';
import { eventRecord } from '../events.js';
import type { JournalAppender } from '../journal/index.js';
import { isTransientStoreError, withStoreRetry, type Store } from '../store/index.js';
import {
  DREAM_ENTRY,
  dreamDue,
  dreamLockPath,
  lastOwnerActivity,
  liveDreamLock,
  loadDreamState,
  NewEntryCounter,
  newDreamId,
  saveDreamState,
  type FromDream,
} from '../dream/index.js';

export interface DreamSchedulerOptions {
  paths: HomePaths;
  store: Store;
  journal: JournalAppender;
  clock: Clock;
  /** The current `dream` config slice (it changes on reload). */
  config: () => Readonly<Config['dream']>;
  env?: NodeJS.ProcessEnv;
  /** The dream queued its digest as an approved `notify`: the worker has work. */
  onDigest: () => void;
  /** A check or a state write failed (the daemon reports a store out of reach, and rethrows the rest). */
  onError?: (err: unknown) => void;
  checkEveryMs?: number;
}

export type DueOutcome = { due: false; reason: string } | { due: true; reason: string; dreamId: string };

const CHECK_EVERY_MS = 60_000;

/**
 * The daemon's side of dreaming, beside the worker's supervisor and on the same kit
 * (src/child): `runIfDue(now)` on a timer (unref'd), `runNow()` for `vigil dream --now`.
 * A dream runs in a child process (src/dream/dream-main.ts): it reads a month of logs
 * and rewrites files, and better-sqlite3 and the hashing are synchronous — in the
 * daemon that would stall webhook intake and raise its idle RSS; in a child the daemon
 * only relays its log records and notices its end. It has no heartbeat: a dream's
 * synchronous stretches are long, and a hung one is bounded by its lock's hour.
 */
export class DreamScheduler {
  private timer: NodeJS.Timeout | undefined;
  private child: { proc: SupervisedChild<never, FromDream>; dreamId: string; ended: boolean } | undefined;
  private readonly counter = new NewEntryCounter();
  private checking = false;
  private stopping = false;

  constructor(private readonly options: DreamSchedulerOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.runIfDue(this.options.clock.now()).catch((err: unknown) => this.failed(err));
    }, this.options.checkEveryMs ?? CHECK_EVERY_MS);
    this.timer.unref();
  }

  async runIfDue(now: number): Promise<DueOutcome> {
    if (this.stopping) return { due: false, reason: 'the daemon is stopping' };
    if (this.child) return { due: false, reason: `dream ${this.child.dreamId} is running` };
    const holder = liveDreamLock(dreamLockPath(this.options.paths.home), now);
    if (holder) return { due: false, reason: `pid ${holder.pid} is dreaming` };
    if (this.checking) return { due: false, reason: 'a check is running' };
    this.checking = true;
    try {
      const { store, paths } = this.options;
      const input = { now, state: loadDreamState(store), lastActivityAt: lastOwnerActivity(store), config: this.options.config() };
      // The cheap conditions first; the logs are read only when they all hold.
      const early = dreamDue({ ...input, newEntries: Number.POSITIVE_INFINITY });
      if (!early.due) return { due: false, reason: early.reason };
      const verdict = dreamDue({ ...input, newEntries: await this.counter.countSince(paths.logs, input.state.watermark) });
      if (!verdict.due || this.child || this.stopping) return { due: false, reason: verdict.reason };
      return { ...verdict, due: true, dreamId: this.spawn('idle') };
    } finally {
      this.checking = false;
    }
  }

  /** `vigil dream --now` through the API: start one, or refuse while one runs. */
  runNow(): { dreamId: string; pid: number } {
    if (this.stopping) throw new VigilError('VIGIL_ERR_NOT_RUNNING', 'the daemon is stopping');
    if (this.child) throw new VigilError('VIGIL_ERR_DREAM_BUSY', `dream ${this.child.dreamId} is running in pid ${this.child.proc.pid}`);
    const holder = liveDreamLock(dreamLockPath(this.options.paths.home), this.options.clock.now());
    if (holder) throw new VigilError('VIGIL_ERR_DREAM_BUSY', `pid ${holder.pid} is dreaming`);
    const dreamId = this.spawn('manual');
    return { dreamId, pid: this.running()?.pid ?? -1 };
  }

  /** Stop checking; a running dream is asked to stop (its writes are atomic) and waited for. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    const child = this.child;
    if (!child) return;
    await child.proc.stop(() => child.proc.kill('SIGTERM'), timeoutMs);
  }

  private failed(err: unknown): void {
    // Without a reporter (tests, tools) a failed check waits for the next one, as before.
    this.options.onError?.(err);
  }

  running(): { dreamId: string; pid: number } | undefined {
    return this.child ? { dreamId: this.child.dreamId, pid: this.child.proc.pid ?? -1 } : undefined;
  }

  private spawn(trigger: 'idle' | 'manual'): string {
    const { paths, journal, clock } = this.options;
    const dreamId = newDreamId();
    const proc: SupervisedChild<never, FromDream> = new SupervisedChild({
      entry: DREAM_ENTRY,
      args: ['--id', dreamId, ...(trigger === 'manual' ? ['--manual'] : [])],
      home: paths.home,
      ...(this.options.env ? { env: this.options.env } : {}),
      onMessage: (message: FromDream) => {
        try {
          journal.flush();
        } catch (err) {
          // The records stay in the outbox for the next flush.
          this.failed(err);
        }
        if (message.type === 'finished' || message.type === 'failed' || message.type === 'busy') child.ended = true;
        if (message.type === 'finished' && message.report.digestActionId) this.options.onDigest();
      },
      onExit: (code, signal) => {
        journal.flush();
        if (!child.ended) {
          // It died before it could log its end (kill -9, OOM, the daemon stopping it).
          const reason = `the dream process ${proc.pid} exited with ${signal ?? `code ${code}`}`;
          journal.write(eventRecord('dream.failed', { dreamId, reason }, clock.now()));
          // Another process may hold the store: the state waits on the loop's timers, not in SQLite.
          withStoreRetry(() => saveDreamState(this.options.store, { lastFailedAt: clock.now(), lastFailure: reason }), {
            retryable: isTransientStoreError,
          }).catch((err: unknown) => this.failed(err));
        }
        if (this.child === child) this.child = undefined;
      },
    });
    const child = { proc, dreamId, ended: false };
    this.child = child;
    return dreamId;
  }
}

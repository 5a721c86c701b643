import { Worker } from 'node:worker_threads';
import { childEntry } from '../child/index.js';
import type { Db } from './db.js';

const EVERY_MS = 250;
const IDLE_EXIT_MS = 30_000;
/** Commits within one second that mean a burst: only then is a thread worth its memory. */
const BURST_COMMITS = 50;
/** Between bursts the main connection checkpoints itself every this many commits (a few pages: cheap). */
const QUIET_CHECKPOINT_EVERY = 100;

/** The thread's file (under the test runner: the build's). */
const THREAD_ENTRY = childEntry('store/checkpoint-thread.js');

/** What the thread is asked to run; it answers each with one message once done. */
export type CheckpointMode = 'PASSIVE' | 'TRUNCATE';

/**
 * Moves WAL checkpoints of a busy daemon to a thread. The daemon's own connection stops
 * checkpointing (`wal_autocheckpoint = 0`); while writes come in, the thread checkpoints
 * every quarter second; after half a minute without writes it truncates the WAL and
 * exits, so an idle vigil has no extra thread.
 */
export class Checkpointer {
  private thread: Worker | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastWrite = 0;
  private windowStart = 0;
  private windowCommits = 0;
  private sinceCheckpoint = 0;
  private busy = false;
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly file: string,
  ) {
    db.pragma('wal_autocheckpoint = 0');
  }

  /**
   * A transaction committed. Cheap: the thread is woken on a timer, not per write, and
   * an idle daemon's odd commit (a tick, an approval) never starts it.
   */
  noteWrite(): void {
    if (this.closed) return;
    const now = Date.now();
    this.lastWrite = now;
    if (this.thread) return;
    if (now - this.windowStart > 1000) {
      this.windowStart = now;
      this.windowCommits = 0;
    }
    if (++this.windowCommits >= BURST_COMMITS) {
      this.start();
    } else if (++this.sinceCheckpoint >= QUIET_CHECKPOINT_EVERY) {
      this.sinceCheckpoint = 0;
      this.checkpointHere('PASSIVE');
    }
  }

  /** Final checkpoint on the main connection, at shutdown. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    void this.thread?.terminate();
    this.thread = undefined;
    this.checkpointHere('TRUNCATE');
  }

  private checkpointHere(mode: CheckpointMode): void {
    try {
      this.db.pragma(`wal_checkpoint(${mode})`);
    } catch {
      // Another process may hold a read snapshot; a later checkpoint catches up.
    }
  }

  private start(): void {
    const thread = new Worker(THREAD_ENTRY, { workerData: { file: this.file } });
    thread.unref();
    thread.on('message', () => {
      this.busy = false;
    });
    thread.on('error', () => this.stop());
    thread.on('exit', () => {
      if (this.thread === thread) this.stop();
    });
    this.thread = thread;
    this.timer = setInterval(() => this.tick(), EVERY_MS);
    this.timer.unref();
  }

  private tick(): void {
    if (!this.thread || this.busy) return;
    const idle = Date.now() - this.lastWrite > IDLE_EXIT_MS;
    this.busy = true;
    this.thread.postMessage(idle ? 'TRUNCATE' : 'PASSIVE');
    if (idle) {
      const thread = this.thread;
      thread.once('message', () => void thread.terminate());
      this.thread = undefined;
      clearInterval(this.timer);
    }
  }

  private stop(): void {
    clearInterval(this.timer);
    this.thread = undefined;
    this.busy = false;
  }
}

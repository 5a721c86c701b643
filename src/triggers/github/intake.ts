import { Worker } from 'node:worker_threads';
import type { GithubConfig } from '../../config/index.js';
import type { Clock } from '../../clock.js';
import { eventRecord, type EventRecord } from '../../events.js';
import type { FromIntakeThread, IntakeResult, RawDelivery, ToIntakeThread } from './intake-protocol.js';

interface Waiting {
  delivery: RawDelivery;
  resolve: (result: IntakeResult) => void;
  reject: (err: unknown) => void;
}

export interface IntakeDeps {
  dbFile: string;
  /** Appends log records in order, after whatever is staged (the daemon's journal). */
  journal: { writeMany(records: EventRecord[]): void };
  clock: Clock;
  filter: () => Readonly<GithubConfig>;
  /** New deliveries are waiting for the initiative. */
  onStored: () => void;
}

/** The thread's file; under the test runner this module is TypeScript, the thread runs from the build. */
const THREAD_ENTRY = import.meta.url.endsWith('.ts')
  ? new URL('../../../dist/triggers/github/intake-thread.js', import.meta.url)
  : new URL('./intake-thread.js', import.meta.url);

/**
 * Two batches in flight: while the thread commits one, the next is already waiting
 * for it, so neither side idles on the other's round trip.
 */
const MAX_IN_FLIGHT = 8;

/** A quiet minute ends the thread, so an idle vigil is back to one thread. */
const IDLE_EXIT_MS = 60_000;

/**
 * Stores webhook deliveries with group commit, in the intake thread: the deliveries
 * that arrive while one batch is being written share the next transaction. A
 * delivery's promise resolves only after its transaction committed and its
 * `event.received` line is in the log — then, and only then, the route answers 2xx.
 */
export class WebhookIntake {
  private thread: Worker | undefined;
  private queue: Waiting[] = [];
  /** Batches sent and not yet answered, oldest first; the thread answers in order. */
  private inFlight: { id: number; batch: Waiting[] }[] = [];
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly deps: IntakeDeps) {}

  store(delivery: RawDelivery): Promise<IntakeResult> {
    if (this.closed) return Promise.reject(new Error('vigil is stopping'));
    return new Promise((resolve, reject) => {
      this.queue.push({ delivery, resolve, reject });
      if (this.inFlight.length < MAX_IN_FLIGHT && this.queue.length === 1) setImmediate(() => this.sendBatch());
    });
  }

  /** The config was reloaded: the thread filters with the new `github` section. */
  refreshFilter(): void {
    // A thread not yet started reads the filter when it starts.
    if (this.thread) this.post({ type: 'filter', filter: this.deps.filter() });
  }

  /** Wait for the batch in flight, then end the thread. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    while (this.inFlight.length || this.queue.length) await new Promise((r) => setTimeout(r, 5));
    await this.thread?.terminate();
    this.thread = undefined;
  }

  private sendBatch(): void {
    if (this.inFlight.length >= MAX_IN_FLIGHT || this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    const id = this.nextId++;
    this.inFlight.push({ id, batch });
    clearTimeout(this.idleTimer);
    this.post({ type: 'batch', id, now: this.deps.clock.now(), deliveries: batch.map((w) => w.delivery) });
  }

  private onReply(message: FromIntakeThread): void {
    const flight = this.inFlight[0];
    if (!flight || flight.id !== message.id) return;
    this.inFlight.shift();
    if (message.type === 'failed') {
      for (const w of flight.batch) w.reject(new Error(message.message));
    } else {
      try {
        this.logStored(flight.batch, message.results);
      } catch {
        // Committed is what the answer promises; lines the log could not take now are
        // written at the next start (logUnloggedDeliveries).
      }
      flight.batch.forEach((w, i) => w.resolve(message.results[i]!));
      if (message.results.some((r) => r.status === 'stored')) this.deps.onStored();
    }
    if (this.queue.length) this.sendBatch();
    else if (this.inFlight.length === 0) this.armIdleExit();
  }

  private logStored(batch: Waiting[], results: IntakeResult[]): void {
    const now = this.deps.clock.now();
    const records: EventRecord[] = [];
    results.forEach((r, i) => {
      if (r.status === 'stored') records.push(...receivedRecords(r, batch[i]!.delivery.deliveryId, now));
    });
    if (records.length) this.deps.journal.writeMany(records);
  }

  private post(message: ToIntakeThread): void {
    if (!this.thread) this.thread = this.startThread();
    this.thread.postMessage(message);
  }

  private startThread(): Worker {
    const thread = new Worker(THREAD_ENTRY, { workerData: { dbFile: this.deps.dbFile, filter: this.deps.filter() } });
    thread.on('message', (m: FromIntakeThread) => this.onReply(m));
    const fail = (err: Error) => {
      if (this.thread !== thread) return;
      this.thread = undefined;
      const flights = this.inFlight;
      this.inFlight = [];
      for (const flight of flights) for (const w of flight.batch) w.reject(err);
      if (this.queue.length) this.sendBatch();
    };
    thread.on('error', fail);
    thread.on('exit', (code) => fail(new Error(`the intake thread exited (${code})`)));
    return thread;
  }

  private armIdleExit(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      const thread = this.thread;
      if (!thread || this.inFlight.length || this.queue.length) return;
      this.thread = undefined;
      void thread.terminate();
    }, IDLE_EXIT_MS);
    this.idleTimer.unref();
  }
}

/** What the log says of a stored delivery: received, and filtered when it is. */
export function receivedRecords(
  stored: { eventId: number; kind: string; filtered?: string },
  deliveryId: string,
  now: number,
): EventRecord[] {
  const records = [eventRecord('event.received', { eventId: stored.eventId, source: 'github', kind: stored.kind, deliveryId }, now)];
  if (stored.filtered) {
    records.push(eventRecord('event.filtered', { eventId: stored.eventId, kind: stored.kind, reason: stored.filtered }, now));
  }
  return records;
}

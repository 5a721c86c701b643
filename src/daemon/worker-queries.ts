import crypto from 'node:crypto';
import { VigilError } from '../errors.js';
import type { GithubQuery } from '../github-api/index.js';

/** Where a query goes: a worker process that says when it is ready and takes `{type: 'query'}`. */
export interface QueryTarget {
  readonly connected: boolean;
  send(message: { type: 'query'; id: string; query: GithubQuery }): void;
}

/** A GitHub read waiting for its answer. */
interface PendingQuery {
  query: GithubQuery;
  resolve: (text: string) => void;
  reject: (err: Error) => void;
  /** The worker it was sent to; undefined until a worker is ready for it. */
  sentTo?: QueryTarget;
}

const QUERY_TIMEOUT_MS = 30_000;

/**
 * A decision's read-only looks at GitHub (issue 14), answered by the execution worker,
 * which holds the credentials: the daemon — the home's or a team node's — holds none.
 * This is the bookkeeping both supervisors share (worker-supervisor.ts, team-worker.ts):
 * a question waits until a worker is ready, goes to it once, and settles with its answer,
 * its refusal, the worker's exit, the caller's signal or a timeout (~30 s).
 */
export class WorkerQueries {
  private readonly pending = new Map<string, PendingQuery>();

  constructor(private readonly timeoutMs = QUERY_TIMEOUT_MS) {}

  /** `target` is the ready worker now, if any; `noWorker` starts one when none runs. */
  ask(query: GithubQuery, signal: AbortSignal, target: QueryTarget | undefined, noWorker: () => void): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      const id = crypto.randomUUID();
      const settle = () => {
        this.pending.delete(id);
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        settle();
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      const timer = setTimeout(() => {
        settle();
        reject(new VigilError('VIGIL_ERR_WORKER', `the worker did not answer the GitHub read within ${Math.round(this.timeoutMs / 1000)} s`));
      }, this.timeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        query,
        resolve: (text) => {
          settle();
          resolve(text);
        },
        reject: (err) => {
          settle();
          reject(err);
        },
      });
      if (target) this.sendTo(target);
      else noWorker();
    });
  }

  /** Questions not yet sent go to this worker, which is ready (it listens, and has its config). */
  sendTo(target: QueryTarget): void {
    if (!target.connected) return;
    for (const [id, pending] of this.pending) {
      if (pending.sentTo) continue;
      pending.sentTo = target;
      target.send({ type: 'query', id, query: pending.query });
    }
  }

  answered(message: { id: string; text: string } | { id: string; error: string }): void {
    const pending = this.pending.get(message.id);
    if (!pending) return; // Given up on already (timeout or abort).
    if ('text' in message) pending.resolve(message.text);
    else pending.reject(new VigilError('VIGIL_ERR_GITHUB_QUERY', message.error));
  }

  /**
   * A worker that exits cannot answer. One that went idle on its own (`askAgain`) answers
   * all it received before going: what it still owes arrived too late, and is asked again
   * of the next worker. After a crash, what it was asked fails now, not at the timeout.
   */
  exited(target: QueryTarget, askAgain: boolean, why: string): void {
    for (const pending of [...this.pending.values()]) {
      if (pending.sentTo !== target) continue;
      if (askAgain) {
        delete pending.sentTo;
        continue;
      }
      pending.reject(new VigilError('VIGIL_ERR_WORKER', `the worker exited (${why}) before answering the GitHub read`));
    }
  }

  /** Questions no worker has taken yet will not be answered: they fail now, not at their timeout. */
  stopping(): void {
    for (const pending of [...this.pending.values()]) {
      if (!pending.sentTo) pending.reject(new VigilError('VIGIL_ERR_WORKER', 'vigil is stopping: the GitHub read was not sent'));
    }
  }

  /** Some question waits for a worker to be ready. */
  get waiting(): boolean {
    return [...this.pending.values()].some((q) => !q.sentTo);
  }
}

import { childEntry, type Heartbeat } from '../child/index.js';
import type { Config } from '../config/index.js';
import type { GithubQuery } from '../github-api/index.js';

/** The worker's entry file, for the daemon's fork (under the test runner: the build's). */
export const WORKER_ENTRY = childEntry('exec/worker-main.js');

/** Messages between the daemon and its execution worker over the fork IPC channel (the child kit's). */
export type ToWorker =
  /**
   * The config the daemon accepted, answered to the worker's `ready` (issue 12): the
   * worker never reads config.json, so a file the daemon refused cannot stop it.
   */
  | { type: 'config'; config: Readonly<Config> }
  | { type: 'work' }
  | { type: 'drain' }
  /** Look for webhook deliveries GitHub failed to bring us, and ask for them again (issue 3). */
  | { type: 'sweep' }
  /**
   * A decision's read-only look at GitHub (issue 14), answered with the worker's
   * credentials beside whatever action runs; the worker validates it again.
   */
  | { type: 'query'; id: string; query: GithubQuery };
export type FromWorker =
  /** The worker listens: the daemon sends its config. */
  | { type: 'ready' }
  /** Log records are staged in the outbox: the daemon should move them to the log. */
  | { type: 'flush' }
  /** The answer to a `query`: its text (redacted by the worker), or why there is none. */
  | { type: 'answer'; id: string; text: string }
  | { type: 'answer'; id: string; error: string }
  | Heartbeat;

/** An action whose worker died during each of this many attempts fails instead of running again. */
export const WORKER_MAX_ATTEMPTS = 3;

/** Messages between the daemon and its execution worker over the fork IPC channel. */
export type ToWorker =
  | { type: 'work' }
  | { type: 'drain' }
  /** Look for webhook deliveries GitHub failed to bring us, and ask for them again (issue 3). */
  | { type: 'sweep' };
export type FromWorker =
  | { type: 'ready' }
  /** Log records are staged in the outbox: the daemon should move them to the log. */
  | { type: 'flush' }
  | { type: 'heartbeat' };

/** A worker that has nothing to do for this long exits on its own (config: exec.idleExitSeconds). */
export const WORKER_MAX_ATTEMPTS = 3;

/**
 * Messages between a team node and its execution worker (issue 19): the SQLite worker's
 * protocol (protocol.ts) without what a team worker does not do yet (the outbox's flush:
 * it writes the log itself), with GitHub reads for decisions, and with the redelivery
 * sweep's fence: the node asks its worker to sweep only while it holds the `redelivery`
 * role, and the worker asks the node, before each redelivery request, whether it still does.
 */
import { childEntry, type Heartbeat } from '../child/index.js';
import type { FromWorker, ToWorker } from './protocol.js';

/** The entry file, for the node's fork (under the test runner: the build's). */
export const TEAM_WORKER_ENTRY = childEntry('exec/team-worker-main.js');

/** The one team role whose work runs in the worker. */
export type WorkerRole = 'redelivery';

export type ToTeamWorker =
  | Extract<ToWorker, { type: 'config' | 'work' | 'drain' | 'sweep' | 'query' }>
  /** The node's answer to `confirm`: whether it holds the role, as the database says now. */
  | { type: 'role'; id: string; held: boolean };
export type FromTeamWorker =
  | Extract<FromWorker, { type: 'ready' | 'answer' }>
  /** Does the node still hold `role`? Asked right before each redelivery request. */
  | { type: 'confirm'; id: string; role: WorkerRole }
  /** The sweep the node asked for ended (done, failed, or stopped for a lost role). */
  | { type: 'swept' }
  | Heartbeat;

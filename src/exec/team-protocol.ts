/**
 * Messages between a team node and its execution worker (issue 19): the SQLite worker's
 * protocol (protocol.ts) without what a team worker does not do yet (GitHub reads for
 * decisions, the missed-delivery sweep, the outbox's flush: it writes the log itself).
 */
import { childEntry, type Heartbeat } from '../child/index.js';
import type { FromWorker, ToWorker } from './protocol.js';

/** The entry file, for the node's fork (under the test runner: the build's). */
export const TEAM_WORKER_ENTRY = childEntry('exec/team-worker-main.js');

export type ToTeamWorker = Extract<ToWorker, { type: 'config' | 'work' | 'drain' }>;
export type FromTeamWorker = Extract<FromWorker, { type: 'ready' }> | Heartbeat;

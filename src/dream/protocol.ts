import crypto from 'node:crypto';
import { childEntry } from '../child/index.js';
import type { DreamReport } from './dream.js';

/** Messages from the dream child to the daemon over the fork IPC channel (the child kit's). */
export type FromDream =
  /** Log records are staged in the outbox: move them to the log. */
  | { type: 'flush' }
  | { type: 'finished'; report: DreamReport }
  | { type: 'failed'; reason: string }
  /** Another process holds the dream lock; nothing was logged. */
  | { type: 'busy'; reason: string };

/** The child's exit code when the lock was taken (EX_TEMPFAIL, as VIGIL_ERR_DREAM_BUSY). */
export const DREAM_BUSY_EXIT = 75;

/** The dream child's entry file, for the daemon's fork (under the test runner: the build's). */
export const DREAM_ENTRY = childEntry('dream/dream-main.js');

/** Eight hex characters: enough to tell dreams apart in the log. */
export function newDreamId(): string {
  return crypto.randomBytes(4).toString('hex');
}

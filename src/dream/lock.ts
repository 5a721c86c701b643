import path from 'node:path';
import { acquirePidLock, holdsLock, readPidLock, type PidLockRead } from '../child/index.js';
import { VigilError } from '../errors.js';

/** What the lock file holds: who dreams, since when. */
export interface DreamLockInfo {
  pid: number;
  dreamId: string;
  startedAt: number;
  /** The holder's process start (src/child/liveness.ts), written by `acquireDreamLock`: a reused pid has another. */
  start?: string;
}

/** Issue 5: a lock older than this is stale even if its holder lives (a hung dream). */
export const DREAM_LOCK_STALE_MS = 3_600_000;

export function dreamLockPath(home: string): string {
  return path.join(home, 'dream.lock');
}

export function readDreamLock(file: string): DreamLockInfo | undefined {
  const read = readPidLock<DreamLockInfo>(file);
  return read && typeof read.holder.startedAt === 'number' ? read.holder : undefined;
}

/**
 * The lock's holder if it is dreaming now: the process that wrote it still lives (not
 * merely its pid: issue 12), and the lock is not older than an hour.
 */
function dreaming(read: PidLockRead<DreamLockInfo> | undefined, now: number): DreamLockInfo | undefined {
  if (!read || typeof read.holder.startedAt !== 'number') return undefined;
  const { holder, writtenAtMs } = read;
  return now - holder.startedAt < DREAM_LOCK_STALE_MS && holdsLock(holder, writtenAtMs) ? holder : undefined;
}

export function liveDreamLock(file: string, now: number): DreamLockInfo | undefined {
  return dreaming(readPidLock<DreamLockInfo>(file), now);
}

/**
 * One dream at a time across processes (the child kit's pid-file lock). A stale lock
 * (dead pid, over an hour old, unreadable) is taken over inside `serialize` — the store's
 * write transaction — so two processes cannot both take over the same stale lock.
 * Returns the release function (idempotent; it removes only our own lock).
 */
export function acquireDreamLock(file: string, info: DreamLockInfo, serialize: <T>(fn: () => T) => T): () => void {
  const release = acquirePidLock({
    file,
    holder: info,
    serialize,
    refusal: (current) => {
      const holder = dreaming(current, info.startedAt);
      return holder
        ? new VigilError('VIGIL_ERR_DREAM_BUSY', `pid ${holder.pid} has been dreaming since ${new Date(holder.startedAt).toISOString()}`)
        : undefined;
    },
  });
  // A process that exits while holding it (SIGTERM in the dream child) lets it go.
  process.once('exit', release);
  return release;
}

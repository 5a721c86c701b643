import fs from 'node:fs';
import path from 'node:path';
import { VigilError } from '../errors.js';
import { holdsLock, processStartToken } from '../process-start.js';

/** What the lock file holds: who dreams, since when. */
export interface DreamLockInfo {
  pid: number;
  dreamId: string;
  startedAt: number;
  /** The holder's process start (src/process-start.ts), written by `acquireDreamLock`: a reused pid has another. */
  start?: string;
}

/** Issue 5: a lock older than this is stale even if its holder lives (a hung dream). */
export const DREAM_LOCK_STALE_MS = 3_600_000;

export function dreamLockPath(home: string): string {
  return path.join(home, 'dream.lock');
}

export function readDreamLock(file: string): DreamLockInfo | undefined {
  try {
    const info = JSON.parse(fs.readFileSync(file, 'utf8')) as DreamLockInfo;
    return Number.isInteger(info.pid) && typeof info.startedAt === 'number' ? info : undefined;
  } catch {
    return undefined;
  }
}

function mtimeMs(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * The lock's holder if it is dreaming now: the process that wrote it still lives (not
 * merely its pid: issue 12), and the lock is not older than an hour.
 */
export function liveDreamLock(file: string, now: number): DreamLockInfo | undefined {
  const info = readDreamLock(file);
  if (!info) return undefined;
  return now - info.startedAt < DREAM_LOCK_STALE_MS && holdsLock(info, mtimeMs(file)) ? info : undefined;
}

/**
 * One dream at a time across processes. A free lock is taken with an exclusive
 * create; a stale one (dead pid, over an hour old, unreadable) is replaced by an
 * atomic rename, with the check and the replacement inside `serialize` — the
 * store's write transaction — so two processes cannot both take over the same
 * stale lock. Returns the release function (idempotent; it removes only our own lock).
 */
export function acquireDreamLock(file: string, info: DreamLockInfo, serialize: <T>(fn: () => T) => T): () => void {
  const start = info.start ?? processStartToken(info.pid);
  const body = JSON.stringify({ ...info, ...(start ? { start } : {}) }) + '\n';
  try {
    fs.writeFileSync(file, body, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    serialize(() => {
      const holder = liveDreamLock(file, info.startedAt);
      if (holder) {
        throw new VigilError('VIGIL_ERR_DREAM_BUSY', `pid ${holder.pid} has been dreaming since ${new Date(holder.startedAt).toISOString()}`);
      }
      const temp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(temp, body, { mode: 0o600 });
      fs.renameSync(temp, file);
    });
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    const current = readDreamLock(file);
    if (current?.pid === info.pid && current.dreamId === info.dreamId) fs.rmSync(file, { force: true });
  };
  // A process that exits while holding it (SIGTERM in the dream child) lets it go.
  process.once('exit', release);
  return release;
}

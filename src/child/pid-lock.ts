import fs from 'node:fs';
import type { VigilError } from '../errors.js';
import { processStartToken } from './liveness.js';

/** What every pid-file lock (daemon.lock, dream.lock) holds; a lock may add fields of its own. */
export interface PidLockHolder {
  pid: number;
  /** The holder's process start (liveness.ts): a reused pid has another. Absent in locks written before issue 12. */
  start?: string;
}

/** A lock file as read: its holder, and when it was written (its mtime: `holdsLock` needs it). */
export interface PidLockRead<T extends PidLockHolder> {
  holder: T;
  writtenAtMs: number;
}

/** The lock file's holder; a lock written before issue 12 holds the bare pid and reads as `{ pid }`. */
export function readPidLock<T extends PidLockHolder = PidLockHolder>(file: string): PidLockRead<T> | undefined {
  try {
    const text = fs.readFileSync(file, 'utf8').trim();
    const writtenAtMs = fs.statSync(file).mtimeMs;
    const holder = (text.startsWith('{') ? JSON.parse(text) : { pid: Number(text) }) as T;
    return Number.isInteger(holder.pid) && holder.pid > 0 ? { holder, writtenAtMs } : undefined;
  } catch {
    return undefined;
  }
}

export interface PidLockOptions<T extends PidLockHolder> {
  file: string;
  /** Who takes the lock; its process start is added when the platform gives one. */
  holder: T;
  /** Why the lock as it stands keeps us out (its holder still lives), or undefined when it is stale. */
  refusal: (current: PidLockRead<T> | undefined) => VigilError | undefined;
  /**
   * Where a stale lock's check and replacement run — the dream's: the store's write
   * transaction — so that two processes cannot both take over the same stale lock.
   */
  serialize?: <R>(fn: () => R) => R;
}

/**
 * A lock held by a process, named by pid and start: an OS lock (flock) would need a
 * native module; the start check works with what Linux and macOS already give. A free
 * lock is taken with an exclusive create; a stale one (its holder gone after kill -9 or
 * a power loss, or its pid now another process's) is replaced by an atomic rename, so
 * the file is never missing while it changes hands. Returns the release: idempotent,
 * and it removes the file only while it is still ours.
 */
export function acquirePidLock<T extends PidLockHolder>(options: PidLockOptions<T>): () => void {
  const { file, holder } = options;
  const start = holder.start ?? processStartToken(holder.pid);
  const body = JSON.stringify({ ...holder, ...(start ? { start } : {}) }) + '\n';
  try {
    fs.writeFileSync(file, body, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const serialize = options.serialize ?? (<R>(fn: () => R): R => fn());
    serialize(() => {
      const refusal = options.refusal(readPidLock<T>(file));
      if (refusal) throw refusal;
      const temp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(temp, body, { mode: 0o600 });
      fs.renameSync(temp, file);
    });
  }
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    // A holder that also releases on exit (the dream child, on SIGTERM) needs it no more.
    process.removeListener('exit', release);
    if (readText(file) === body) fs.rmSync(file, { force: true });
  };
  return release;
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

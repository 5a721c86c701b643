import fs from 'node:fs';
import path from 'node:path';
import { VigilError } from '../errors.js';
import { holdsLock, isAlive, processStartToken } from '../process-start.js';

export { isAlive };

/** What the running daemon publishes in its home so the CLI can reach it. */
export interface DaemonInfo {
  pid: number;
  host: string;
  port: number;
  url: string;
  startedAt: string;
  version: string;
}

/** What daemon.lock holds; a lock written before issue 12 holds the bare pid. */
interface LockHolder {
  pid: number;
  /** The holder's start (src/process-start.ts): a reused pid has another. */
  start?: string;
}

/**
 * One daemon per home. The lock file is created exclusively and names the holder by
 * pid and start; a lock whose holder is gone (kill -9, power loss) — its pid dead, or
 * now another process's — is stale and taken over. An OS lock (flock) would need a
 * native module; the start check works with what Linux and macOS already give.
 */
export function acquireDaemonLock(home: string): () => void {
  const file = path.join(home, 'daemon.lock');
  const start = processStartToken(process.pid);
  const body = JSON.stringify({ pid: process.pid, ...(start ? { start } : {}) } satisfies LockHolder) + '\n';
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, body, { flag: 'wx', mode: 0o600 });
      let released = false;
      return () => {
        if (released) return;
        released = true;
        if (readHolder(file)?.holder.pid === process.pid) fs.rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const read = readHolder(file);
      if (read && read.holder.pid !== process.pid && holdsLock(read.holder, read.writtenAt)) {
        throw new VigilError(
          'VIGIL_ERR_ALREADY_RUNNING',
          `vigil is already running on ${home} (pid ${read.holder.pid}); stop it first or use another VIGIL_HOME`,
        );
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new VigilError('VIGIL_ERR_ALREADY_RUNNING', `cannot take ${file}`);
}

function readHolder(file: string): { holder: LockHolder; writtenAt: number } | undefined {
  try {
    const text = fs.readFileSync(file, 'utf8').trim();
    const writtenAt = fs.statSync(file).mtimeMs;
    const parsed = (text.startsWith('{') ? JSON.parse(text) : { pid: Number(text) }) as Partial<LockHolder>;
    const pid = Number(parsed.pid);
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    return { holder: { pid, ...(typeof parsed.start === 'string' ? { start: parsed.start } : {}) }, writtenAt };
  } catch {
    return undefined;
  }
}

export function writeDaemonInfo(file: string, info: DaemonInfo): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(info, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** The running daemon's address, or undefined when none runs on this home. */
export function readDaemonInfo(file: string): DaemonInfo | undefined {
  try {
    const info = JSON.parse(fs.readFileSync(file, 'utf8')) as DaemonInfo;
    // Written after the daemon started: a process that started later only reuses its pid.
    return holdsLock({ pid: info.pid }, fs.statSync(file).mtimeMs) ? info : undefined;
  } catch {
    return undefined;
  }
}

export function removeDaemonInfo(file: string): void {
  const info = (() => {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as DaemonInfo;
    } catch {
      return undefined;
    }
  })();
  if (info?.pid === process.pid) fs.rmSync(file, { force: true });
}

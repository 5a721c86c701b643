import fs from 'node:fs';
import path from 'node:path';
import { acquirePidLock, holdsLock } from '../child/index.js';
import { VigilError } from '../errors.js';

/** What the running daemon publishes in its home so the CLI can reach it. */
export interface DaemonInfo {
  pid: number;
  host: string;
  port: number;
  url: string;
  startedAt: string;
  version: string;
}

/**
 * One daemon per home: daemon.lock names the holder by pid and start (the child kit's
 * pid-file lock); a lock whose holder is gone (kill -9, power loss) — its pid dead, or
 * now another process's — is stale and taken over.
 */
export function acquireDaemonLock(home: string): () => void {
  return acquirePidLock({
    file: path.join(home, 'daemon.lock'),
    holder: { pid: process.pid },
    refusal: (current) =>
      current && current.holder.pid !== process.pid && holdsLock(current.holder, current.writtenAtMs)
        ? new VigilError(
            'VIGIL_ERR_ALREADY_RUNNING',
            `vigil is already running on ${home} (pid ${current.holder.pid}); stop it first or use another VIGIL_HOME`,
          )
        : undefined,
  });
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

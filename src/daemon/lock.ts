import fs from 'node:fs';
import path from 'node:path';
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

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One daemon per home. The lock file is created exclusively and holds the pid; a
 * lock whose pid is gone (kill -9, power loss) is stale and taken over.
 */
export function acquireDaemonLock(home: string): () => void {
  const file = path.join(home, 'daemon.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      let released = false;
      return () => {
        if (released) return;
        released = true;
        if (readPid(file) === process.pid) fs.rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readPid(file);
      if (holder !== undefined && holder !== process.pid && isAlive(holder)) {
        throw new VigilError(
          'VIGIL_ERR_ALREADY_RUNNING',
          `vigil is already running on ${home} (pid ${holder}); stop it first or use another VIGIL_HOME`,
        );
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new VigilError('VIGIL_ERR_ALREADY_RUNNING', `cannot take ${file}`);
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
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
    return isAlive(info.pid) ? info : undefined;
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

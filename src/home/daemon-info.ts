import fs from 'node:fs';
import { holdsLock } from '../child/index.js';

/*
 * daemon.json in the home (HomePaths.daemon): the running daemon writes where it
 * listens, and every CLI command reads it — here, beside the home's other files, so that
 * a command reaching the daemon loads nothing of the daemon itself (issue 18: a CLI
 * command's time is its start).
 */

/** What the running daemon publishes in its home so the CLI can reach it. */
export interface DaemonInfo {
  pid: number;
  host: string;
  port: number;
  url: string;
  startedAt: string;
  version: string;
  /** A node of a team's vigil on PostgreSQL (issue 19): its name. */
  node?: string;
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

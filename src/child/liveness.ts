import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * Is a process alive, and is it still the one we knew? Who holds a pid file's lock
 * (daemon.lock, dream.lock: pid-lock.ts) asks both: a pid alone is not enough,
 * since a pid is reused — after a power loss, the pid in a stale lock may belong to any
 * process, and "alive" would refuse every later start (issue 12). A process is named
 * by its pid *and* its start: Linux `/proc/<pid>/stat` field 22 (clock ticks since
 * boot) with the boot id; macOS `ps -o lstart=` (to the second). Elsewhere there is
 * no start, and a live pid counts as the holder, as before.
 */

/** Linux's USER_HZ: the unit of `starttime`, 100 on every architecture Node runs on (the kernel's fixed ABI, whatever CONFIG_HZ). */
const USER_HZ = 100;
/** The granularity of the coarser source (macOS `lstart`, whole seconds), plus `btime` rounding. */
const SLACK_MS = 2000;

/** A signal-0 probe: EPERM means the process lives but is another user's. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Linux: the fields of `/proc/<pid>/stat` after the command name (which may hold spaces and parentheses). */
function linuxStat(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

function readOr(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function darwinStart(pid: number): string | undefined {
  const ps = spawnSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', timeout: 2000 });
  const text = ps.status === 0 ? ps.stdout.trim() : '';
  return text || undefined;
}

/**
 * A token naming one process's start: two equal tokens are the same process. Undefined
 * when the process is gone or the platform cannot say.
 */
export function processStartToken(pid: number): string | undefined {
  if (process.platform === 'linux') {
    // Field 22 is index 19 once the pid and the command name (fields 1 and 2) are cut.
    const ticks = linuxStat(pid)?.[19];
    const boot = readOr('/proc/sys/kernel/random/boot_id');
    return ticks ? `linux:${boot ?? '?'}:${ticks}` : undefined;
  }
  if (process.platform === 'darwin') {
    const start = darwinStart(pid);
    return start ? `darwin:${start}` : undefined;
  }
  return undefined;
}

/** When the process started, in ms since the epoch (to 10 ms on Linux, to the second on macOS). */
export function processStartMs(pid: number): number | undefined {
  if (process.platform === 'linux') {
    const ticks = Number(linuxStat(pid)?.[19]);
    const btime = Number(/^btime (\d+)$/m.exec(readOr('/proc/stat') ?? '')?.[1]);
    return Number.isFinite(ticks) && btime > 0 ? btime * 1000 + (ticks * 1000) / USER_HZ : undefined;
  }
  if (process.platform === 'darwin') {
    const ms = Date.parse(darwinStart(pid) ?? '');
    return Number.isFinite(ms) ? ms : undefined;
  }
  return undefined;
}

/**
 * Is the process that wrote a lock still the one behind its pid? `start` is the token
 * the lock recorded (absent in locks written before issue 12); `writtenAtMs` is when the
 * lock was written (its file's mtime): a process that started after that cannot have
 * written it, so its pid was reused.
 */
export function holdsLock(holder: { pid: number; start?: string | undefined }, writtenAtMs: number): boolean {
  if (!isAlive(holder.pid)) return false;
  const now = processStartToken(holder.pid);
  if (holder.start && now) return holder.start === now;
  const startedAt = processStartMs(holder.pid);
  return startedAt === undefined || startedAt <= writtenAtMs + SLACK_MS;
}

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlive } from '../../child/index.js';
import { readDaemonInfo, resolveHome, type DaemonInfo } from '../../home/index.js';
import { VigilError } from '../../errors.js';
import { executePlan, serviceControlPlan, systemHost, type ControlVerb, type ServiceHost } from '../../service/index.js';
import { requireHome, type CliContext } from '../context.js';

/** The daemon promises to be gone within 10 s of SIGTERM; a loaded machine gets a margin. */
const STOP_WAIT_MS = 20_000;
const START_WAIT_MS = 30_000;
/** Where a daemon that `vigil restart` started itself writes its JSON lines (no terminal, no service log). */
export const DETACHED_OUTPUT = 'daemon.out';

export interface ControlOptions {
  host?: ServiceHost;
}

/**
 * `vigil stop`: through systemd / launchd when an installed service runs this home (so
 * that it stays the service's process to manage), else SIGTERM to the pid in daemon.json,
 * waiting until it has drained and exited. Nothing running: exit 69.
 */
export async function stopCommand(ctx: CliContext, opts: ControlOptions = {}): Promise<void> {
  requireHome(ctx);
  if (throughService(ctx, 'stop', opts.host)) return;
  const info = readDaemonInfo(ctx.paths.daemon);
  if (!info) throw new VigilError('VIGIL_ERR_NOT_RUNNING', `no daemon runs on ${ctx.paths.home}: nothing to stop`);
  await stopByPid(ctx, info);
}

/**
 * `vigil restart`: the service manager restarts its service; otherwise the running
 * daemon (if any) is stopped and a new one started in the background, its output
 * appended to daemon.out in the home.
 */
export async function restartCommand(ctx: CliContext, opts: ControlOptions = {}): Promise<void> {
  requireHome(ctx);
  if (throughService(ctx, 'restart', opts.host)) return;
  const info = readDaemonInfo(ctx.paths.daemon);
  if (info) await stopByPid(ctx, info);
  else ctx.out(`no daemon ran on ${ctx.paths.home}: starting one`);
  const started = await startDetached(ctx);
  ctx.out(`vigil started: pid ${started.pid}, ${started.url}`);
  ctx.out(`output: ${path.join(ctx.paths.home, DETACHED_OUTPUT)}   (stop it with: vigil stop)`);
}

function throughService(ctx: CliContext, verb: ControlVerb, host: ServiceHost = systemHost(ctx.env)): boolean {
  const plan = serviceControlPlan(host, ctx.paths.home, verb, resolveHome({}));
  if (!plan) return false;
  executePlan(plan, host, ctx.out);
  ctx.out(verb === 'stop' ? 'vigil stopped (the service starts it again at boot or login; vigil restart starts it now)' : 'vigil restarted by its service');
  return true;
}

async function stopByPid(ctx: CliContext, info: DaemonInfo): Promise<void> {
  try {
    process.kill(info.pid, 'SIGTERM');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EPERM') throw new VigilError('VIGIL_ERR_SERVICE', `vigil pid ${info.pid} runs as another user: stop it as that user (or with sudo)`);
    if (code !== 'ESRCH') throw err;
  }
  ctx.out(`stopping vigil pid ${info.pid} on ${ctx.paths.home}…`);
  const gone = await until(() => !runs(info.pid) && readDaemonInfo(ctx.paths.daemon)?.pid !== info.pid, STOP_WAIT_MS);
  if (!gone) throw new VigilError('VIGIL_ERR_STOP_TIMEOUT', `vigil pid ${info.pid} still runs ${STOP_WAIT_MS / 1000} s after SIGTERM; kill -9 ${info.pid} ends it at once`);
  ctx.out(`vigil stopped (pid ${info.pid} drained and exited)`);
}

/**
 * Alive and not a zombie: a daemon that has exited stays a zombie until its parent
 * (a shell, a supervisor, a test runner busy elsewhere) reaps it, yet it has stopped.
 */
function runs(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

async function startDetached(ctx: CliContext): Promise<DaemonInfo> {
  const main = fileURLToPath(new URL('../main.js', import.meta.url));
  const outFile = path.join(ctx.paths.home, DETACHED_OUTPUT);
  const fd = fs.openSync(outFile, 'a', 0o600);
  let exit: number | null | undefined;
  const child = spawn(process.execPath, [main, 'start', '--log-format', 'json'], {
    env: ctx.env,
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  fs.closeSync(fd);
  child.once('exit', (code) => (exit = code));
  const info = await until(() => {
    const now = readDaemonInfo(ctx.paths.daemon);
    return now?.pid === child.pid ? now : exit !== undefined ? ('exited' as const) : undefined;
  }, START_WAIT_MS);
  if (!info || info === 'exited') {
    if (exit === undefined) child.kill('SIGTERM');
    const tail = fs.readFileSync(outFile, 'utf8').trim().split('\n').slice(-3).join('\n');
    throw new VigilError('VIGIL_ERR_STOP_TIMEOUT', `the new daemon ${exit !== undefined ? `exited ${exit}` : `did not start within ${START_WAIT_MS / 1000} s`}; its last lines (${outFile}):\n${tail}`);
  }
  child.unref();
  return info;
}

async function until<T>(probe: () => T | undefined | false, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

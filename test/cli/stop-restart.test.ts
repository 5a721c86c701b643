import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { cliEnv, killDaemons, makeHome, removeHomes, runCli, startDaemon, waitFor, type RunningDaemon } from '../helpers/home.js';
import { serviceControlPlan } from '../../src/service/control.js';
import type { ServiceHost } from '../../src/service/host.js';

// `vigil stop` / `vigil restart` on the pid path: a real daemon in a temp home (no
// service is installed for it), stopped and restarted by the CLI.

const daemons: RunningDaemon[] = [];
const pids: number[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  removeHomes();
});

/** Running, not a zombie: a daemon `vigil restart` started is reaped by whoever adopted it, maybe late. */
const alive = (pid: number) => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};

/** HOME and XDG_CONFIG_HOME in the temp home: no unit of the machine's own can be found. */
const noService = (home: string) => ({ HOME: home, XDG_CONFIG_HOME: path.join(home, 'xdg') });

it('vigil stop drains the running daemon (SIGTERM, exit 0) and returns once it is gone; again: exit 69', async () => {
  const home = makeHome();
  const daemon = await startDaemon(home);
  daemons.push(daemon);
  const stop = runCli(home, ['stop'], noService(home));
  expect(stop.status, stop.stderr).toBe(0);
  expect(stop.stdout).toContain(`vigil stopped (pid ${daemon.pid} drained and exited)`);
  // Returned only after the process ended, cleanly: the drain ran.
  expect(await daemon.exited).toEqual({ code: 0, signal: null });
  expect(daemon.output()).toContain('"msg":"vigil stopped"');
  expect(fs.existsSync(path.join(home, 'daemon.json'))).toBe(false);

  const again = runCli(home, ['stop'], noService(home));
  expect(again.status).toBe(69);
  expect(again.stderr).toContain('nothing to stop');
});

it('vigil restart replaces the daemon with a new one in the background; vigil stop stops that one', async () => {
  const home = makeHome();
  const daemon = await startDaemon(home);
  daemons.push(daemon);
  const restart = runCli(home, ['restart'], noService(home));
  expect(restart.status, restart.stderr).toBe(0);
  expect((await daemon.exited).code).toBe(0);
  const info = JSON.parse(fs.readFileSync(path.join(home, 'daemon.json'), 'utf8')) as { pid: number; url: string };
  pids.push(info.pid);
  expect(info.pid).not.toBe(daemon.pid);
  expect(restart.stdout).toContain(`vigil started: pid ${info.pid}, ${info.url}`);
  expect(alive(info.pid)).toBe(true);
  const health = await fetch(`${info.url}/healthz`);
  expect(health.status).toBe(200);
  // Its JSON lines go to daemon.out in the home.
  await waitFor(() => fs.readFileSync(path.join(home, 'daemon.out'), 'utf8').includes('"msg":"vigil started"'), 10_000, 'daemon.out');

  const stop = runCli(home, ['stop'], noService(home));
  expect(stop.status, stop.stderr).toBe(0);
  expect(alive(info.pid)).toBe(false);
});

it('vigil restart with nothing running starts one', async () => {
  const home = makeHome();
  const restart = runCli(home, ['restart'], noService(home));
  expect(restart.status, restart.stderr).toBe(0);
  expect(restart.stdout).toContain('starting one');
  const info = JSON.parse(fs.readFileSync(path.join(home, 'daemon.json'), 'utf8')) as { pid: number };
  pids.push(info.pid);
  expect(runCli(home, ['status']).status).toBe(0);
  expect(runCli(home, ['stop'], noService(home)).status).toBe(0);
  expect(cliEnv(home).VIGIL_HOME).toBe(home);
});

function fakeHost(home: string, active: boolean): ServiceHost & { ran: string[][] } {
  const ran: string[][] = [];
  return {
    platform: 'linux',
    env: { HOME: home, XDG_CONFIG_HOME: path.join(home, 'xdg') },
    uid: 1000,
    username: 'me',
    execPath: process.execPath,
    nodeVersion: process.versions.node,
    entry: '/opt/vigil/dist/cli/main.js',
    ran,
    run(argv) {
      ran.push([...argv]);
      if (argv.includes('is-active')) return { status: active ? 0 : 3, stdout: active ? 'active\n' : 'inactive\n', stderr: '' };
      return { status: 0, stdout: '', stderr: '' };
    },
  };
}

it('an installed user unit for this home: stop and restart go through systemctl --user', () => {
  const home = makeHome();
  const unit = path.join(home, 'xdg', 'systemd', 'user', 'vigil.service');
  fs.mkdirSync(path.dirname(unit), { recursive: true });
  fs.writeFileSync(unit, `[Service]\nEnvironment="VIGIL_HOME=${home}"\nExecStart=/usr/bin/node /opt/vigil/dist/cli/main.js start\n`);

  const running = fakeHost(home, true);
  expect(serviceControlPlan(running, home, 'stop', '/nowhere')?.steps).toEqual([{ kind: 'run', argv: ['systemctl', '--user', 'stop', 'vigil.service'] }]);
  expect(serviceControlPlan(running, home, 'restart', '/nowhere')?.steps).toEqual([{ kind: 'run', argv: ['systemctl', '--user', 'restart', 'vigil.service'] }]);
  // Another home's unit is not this home's service.
  expect(serviceControlPlan(running, path.join(home, 'other'), 'stop', '/nowhere')).toBeUndefined();
  // Installed but not running: stop falls back to the pid; restart starts the service.
  const idle = fakeHost(home, false);
  expect(serviceControlPlan(idle, home, 'stop', '/nowhere')).toBeUndefined();
  expect(serviceControlPlan(idle, home, 'restart', '/nowhere')?.steps[0]).toEqual({ kind: 'run', argv: ['systemctl', '--user', 'restart', 'vigil.service'] });
});

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A real Linux desktop session for tests: Xvfb on a free display, a private D-Bus
 * session bus, and optionally Debian's `dunst` as the notification server. Every
 * process it starts is killed by `stop()` (call it in afterAll/afterEach).
 */
export interface DesktopSession {
  display: string;
  busAddress: string;
  /** DISPLAY, DBUS_SESSION_BUS_ADDRESS and PATH, for vigil and for dunstctl. */
  env: NodeJS.ProcessEnv;
  /** What dunst showed, newest first, as `dunstctl history` reads it back. */
  history(): DunstNotification[];
  /** How many notifications dunst shows now (`dunstctl count displayed`). */
  displayed(): number;
  /** Invoke action `key` of the notification `id`, as a click on its button does (the ActionInvoked signal). */
  invoke(id: number, key: string): void;
  /** The lines dunst's action menu offered at the last `invoke`: "#Label (summary) [id,key]". */
  menuLines(): string[];
  stop(): Promise<void>;
}

export interface DunstNotification {
  id: number;
  summary: string;
  body: string;
  appname: string;
  /** In µs, as dunst keeps it; 0: it never goes away by itself. */
  timeoutUs: number;
  /** The Pango markup dunst drew: the summary and the body as the server read them. */
  message: string;
}

export function desktopSessionAvailable(): boolean {
  return ['Xvfb', 'dbus-daemon', 'dunst', 'dunstctl'].every((p) => spawnSync('sh', ['-c', `command -v ${p}`]).status === 0);
}

/** A display number no X server holds: its lock file is created atomically, like Xvfb's own. */
function freeDisplay(): number {
  for (let tries = 0; tries < 200; tries++) {
    const n = 100 + ((process.pid * 7 + tries * 13 + Math.floor(Math.random() * 400)) % 800);
    if (!fs.existsSync(`/tmp/.X${n}-lock`) && !fs.existsSync(`/tmp/.X11-unix/X${n}`)) return n;
  }
  throw new Error('no free X display');
}

async function waitUntil(probe: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function busNameOwned(env: NodeJS.ProcessEnv, name: string): boolean {
  const res = spawnSync(
    'dbus-send',
    ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', `string:${name}`],
    { env, encoding: 'utf8', timeout: 5000 },
  );
  return res.status === 0 && /boolean true/.test(res.stdout);
}

export async function startDesktopSession(options: { dunst?: boolean } = {}): Promise<DesktopSession> {
  const children: ChildProcess[] = [];
  const pids: number[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-desktop-'));
  const stop = async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    let display = 0;
    for (let attempt = 0; ; attempt++) {
      display = freeDisplay();
      const xvfb = spawn('Xvfb', [`:${display}`, '-screen', '0', '640x480x24', '-nolisten', 'tcp'], { stdio: 'ignore' });
      children.push(xvfb);
      const up = await new Promise<boolean>((resolve) => {
        // Ours, not another test's that took the same number a moment earlier: the lock names its pid.
        const ours = () => {
          try {
            return fs.readFileSync(`/tmp/.X${display}-lock`, 'utf8').trim() === String(xvfb.pid);
          } catch {
            return false;
          }
        };
        const timer = setInterval(() => {
          if (ours() && fs.existsSync(`/tmp/.X11-unix/X${display}`)) done(true);
        }, 50);
        const done = (ok: boolean) => {
          clearInterval(timer);
          resolve(ok);
        };
        xvfb.once('exit', () => done(false));
        setTimeout(() => done(false), 15_000);
      });
      if (up) break;
      xvfb.kill('SIGKILL');
      if (attempt >= 5) throw new Error('Xvfb did not start');
    }
    // A private session bus: --fork prints its address and pid, and it lives until killed.
    // No service directories: nothing is bus-activated (Debian's dunst.service would start
    // a dunst of its own), so "no notification server" means none.
    const busConfig = path.join(dir, 'session.conf');
    fs.writeFileSync(busConfig, BUS_CONFIG);
    const bus = spawnSync('dbus-daemon', [`--config-file=${busConfig}`, '--fork', '--print-address=1', '--print-pid=1'], { encoding: 'utf8', timeout: 15_000 });
    if (bus.status !== 0) throw new Error(`dbus-daemon: ${bus.stderr}`);
    const [busAddress, busPid] = bus.stdout.trim().split('\n');
    pids.push(Number(busPid));
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: dir,
      XDG_CONFIG_HOME: path.join(dir, '.config'),
      DISPLAY: `:${display}`,
      DBUS_SESSION_BUS_ADDRESS: busAddress!,
    };
    if (options.dunst !== false) {
      // dunst's defaults (critical never times out), markup "full", and a "dmenu" that
      // answers the context menu with the line the test chose (see dunstAction).
      fs.mkdirSync(path.join(dir, '.config', 'dunst'), { recursive: true });
      const menu = path.join(dir, 'menu.sh');
      fs.writeFileSync(menu, `#!/bin/sh\ntee '${dir}/menu-in' | grep -F -- "$(cat '${dir}/choice')" | head -n 1\n`, { mode: 0o755 });
      // Low and normal urgency go after 2 s (dunst's default is 10), so that "stays" is seen in seconds.
      const rc = `[global]\n    markup = full\n    dmenu = ${menu}\n[urgency_low]\n    timeout = 2\n[urgency_normal]\n    timeout = 2\n`;
      fs.writeFileSync(path.join(dir, '.config', 'dunst', 'dunstrc'), rc);
      const dunst = spawn('dunst', ['-config', path.join(dir, '.config', 'dunst', 'dunstrc')], { env, stdio: 'ignore' });
      children.push(dunst);
      await waitUntil(() => busNameOwned(env, 'org.freedesktop.Notifications'), 15_000, 'dunst to own org.freedesktop.Notifications');
    }
    return {
      display: `:${display}`,
      busAddress: busAddress!,
      env,
      history: () => dunstHistory(env),
      displayed: () => Number(dunstctl(env, 'count', 'displayed').trim()),
      invoke: (id, key) => dunstAction(env, dir, id, key),
      menuLines: () => (fs.existsSync(path.join(dir, 'menu-in')) ? fs.readFileSync(path.join(dir, 'menu-in'), 'utf8').split('\n').filter(Boolean) : []),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

const BUS_CONFIG = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`;

function dunstctl(env: NodeJS.ProcessEnv, ...args: string[]): string {
  const res = spawnSync('dunstctl', args, { env, encoding: 'utf8', timeout: 5000 });
  if (res.status !== 0) throw new Error(`dunstctl ${args.join(' ')}: ${res.stderr}`);
  return res.stdout;
}

/**
 * A click on a button, the way dunst offers them: `dunstctl context` opens its menu of
 * every open notification's actions through the configured `dmenu` program, here a
 * script that picks the line ending "[id,key]"; dunst then emits ActionInvoked to the
 * notification's sender, as for a mouse click.
 */
function dunstAction(env: NodeJS.ProcessEnv, dir: string, id: number, key: string): void {
  fs.writeFileSync(path.join(dir, 'choice'), `[${id},${key}]`);
  dunstctl(env, 'context');
}

function dunstHistory(env: NodeJS.ProcessEnv): DunstNotification[] {
  const parsed = JSON.parse(dunstctl(env, 'history')) as { data: Record<string, { data: unknown }>[][] };
  return (parsed.data[0] ?? []).map((n) => ({
    id: Number(n.id?.data),
    summary: String(n.summary?.data),
    body: String(n.body?.data),
    appname: String(n.appname?.data),
    timeoutUs: Number(n.timeout?.data),
    message: String(n.message?.data),
  }));
}

/** What a person reads in dunst's Pango markup: the tags drawn as style, the entities as characters. */
export function renderedText(markup: string): string {
  return markup
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

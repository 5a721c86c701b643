// Start and stop a real vigil daemon from dist/, the way a user would, for benches.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');

/** GET a URL without keep-alive (an open socket would be extra state in the daemon). */
export function httpGet(url, timeoutMs = 1000) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * A private copy of dist/ (with package.json and a node_modules link), so that a
 * rebuild of dist/ by someone else during a long bench cannot change or break the
 * daemon under measurement (modules are loaded lazily, the worker is forked later).
 * Returns { root, cli, builtAt, remove() }.
 */
export function snapshotDist() {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const root = mkdtempSync(join(tmpdir(), 'vigil-bench-dist-'));
  cpSync(join(ROOT, 'dist'), join(root, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(root, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  return {
    root,
    cli: join(root, 'dist', 'cli', 'main.js'),
    builtAt: statSync(CLI).mtime,
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/**
 * Spawns `vigil start` on a fresh temp home it must create itself (default config),
 * on any free port, and waits for the first 200 from /healthz. Returns the handle
 * and `readyMs`, the time from spawn to that 200. `env` adds variables (after the
 * inherited VIGIL_* ones are dropped); `nodeArgs` go before the script (e.g.
 * `--cpu-prof`). `config` (an object) is written as the home's config.json first;
 * `start` then creates everything else (secrets, logs) around it. `cli` runs another
 * copy of dist/cli/main.js (see snapshotDist). `args` follow `start` (e.g. `--node a`).
 */
export async function startVigil({ timeoutMs = 15000, env: extraEnv = {}, nodeArgs = [], config, cli = CLI, args = [] } = {}) {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);
  const tmp = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
  const home = join(tmp, 'home'); // does not exist yet: `start` initialises it
  if (config) {
    mkdirSync(home, { mode: 0o700 });
    writeFileSync(join(home, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  }
  // Inherited VIGIL_* variables (host, failpoints) would change the default config.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VIGIL_')));
  Object.assign(env, extraEnv, { VIGIL_HOME: home, VIGIL_PORT: '0' });

  const t0 = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, cli, 'start', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (c) => (output = (output + c).slice(-8000)); // for the error message only
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() })));

  const vigil = { child, pid: child.pid, home, tmp, url: undefined, readyMs: undefined, exited, output: () => output };
  let dead = false;
  exited.then(() => (dead = true));
  // Poll tightly: the figure is startup latency, and a coarse poll would inflate it.
  while (performance.now() - t0 < timeoutMs && !dead) {
    if (!vigil.url) {
      try {
        vigil.url = JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8')).url;
      } catch {
        // not published yet (or half-written)
      }
    }
    if (vigil.url) {
      const ok = await httpGet(`${vigil.url}/healthz`, 500).then((r) => r.status === 200, () => false);
      if (ok) {
        vigil.readyMs = performance.now() - t0;
        return vigil;
      }
    }
    await sleep(5);
  }
  await stopVigil(vigil);
  throw new Error(`vigil did not answer /healthz within ${timeoutMs} ms${dead ? ' (it exited)' : ''}:\n${output}`);
}

/**
 * SIGTERM and wait up to `graceMs` (vigil promises exit within 10 s); SIGKILL after
 * that. Removes the temp home. Returns how it ended.
 */
export async function stopVigil(vigil, graceMs = 10000) {
  const sent = performance.now();
  if (vigil.child.exitCode === null && vigil.child.signalCode === null) vigil.child.kill('SIGTERM');
  const timer = new Promise((r) => setTimeout(() => r(undefined), graceMs));
  let end = await Promise.race([vigil.exited, timer]);
  const inTime = end !== undefined;
  if (!inTime) {
    vigil.child.kill('SIGKILL');
    end = await vigil.exited;
  }
  rmSync(vigil.tmp, { recursive: true, force: true });
  return { code: end.code, signal: end.signal, ms: Math.max(0, end.at - sent), inTime };
}

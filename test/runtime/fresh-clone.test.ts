import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, sleep, waitFor } from '../helpers/home.js';

/**
 * The README's start command, exactly as a newcomer types it, on what a clean clone
 * holds (the tracked files plus new ones not ignored: no node_modules, no dist), with
 * the Node.js this suite runs on first on the PATH (CI: Node 24).
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-clone-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function cleanCheckout(dest: string): void {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f && fs.existsSync(path.join(ROOT, f)));
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(dest, file)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, file), path.join(dest, file));
  }
}

describe(`npm install && npm start on a clean clone, Node ${process.versions.node} first on the PATH`, () => {
  it(
    'installs, starts, answers /healthz, and stops with 0',
    async () => {
      const clone = path.join(work, 'vigil');
      cleanCheckout(clone);
      expect(fs.existsSync(path.join(clone, 'node_modules'))).toBe(false);
      const home = path.join(work, 'home');
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`,
        VIGIL_HOME: home,
        VIGIL_PORT: '0',
        // No network here: what the lockfile names comes from npm's cache.
        npm_config_prefer_offline: 'true',
      };
      for (const key of Object.keys(env)) if (key.startsWith('VITEST') || key === 'VIGIL_FAILPOINTS') delete env[key];

      const install = spawnSync('npm', ['install'], { cwd: clone, env, encoding: 'utf8', timeout: 240_000 });
      expect(install.status, install.stderr.slice(-3000)).toBe(0);
      expect(fs.existsSync(path.join(clone, 'dist/cli/main.js'))).toBe(true);

      const start = spawn('npm', ['start'], { cwd: clone, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      start.stdout.on('data', (d: Buffer) => (out += d.toString()));
      start.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((resolve) => start.once('exit', (code) => resolve(code)));
      try {
        const info = await waitFor(
          () => {
            try {
              return JSON.parse(fs.readFileSync(path.join(home, 'daemon.json'), 'utf8')) as { pid: number; url: string };
            } catch {
              return undefined;
            }
          },
          30_000,
          'daemon.json',
        );
        const health = await fetch(`${info.url}/healthz`);
        expect(health.status).toBe(200);
        expect(await health.json()).toEqual({ status: 'ok' });
        // The daemon runs on the node first on the PATH, the one `npm install` built for.
        if (fs.existsSync(`/proc/${info.pid}/exe`)) expect(fs.realpathSync(`/proc/${info.pid}/exe`)).toBe(fs.realpathSync(process.execPath));

        // What a service manager or `kill` does: SIGTERM to vigil; it drains, and npm passes its 0 on.
        process.kill(info.pid, 'SIGTERM');
        expect(await exited, out.slice(-3000)).toBe(0);
        expect(out).toContain('vigil stopped');
      } finally {
        if (start.exitCode === null) start.kill('SIGKILL');
        await sleep(0);
      }
    },
    300_000,
  );
});

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, sleep, waitFor } from '../helpers/home.js';
import { fakeChat } from '../notify/fake-chat.js';

/**
 * The README's start command, exactly as a newcomer types it, on what a clean clone
 * holds (the tracked files plus new ones not ignored: no node_modules, no dist), with
 * the Node.js this suite runs on first on the PATH (CI: Node 24).
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-clone-'));
// Two installed clones' node_modules: removing them took over the default 30 s on a loaded disk.
afterAll(() => fs.rmSync(work, { recursive: true, force: true }), 180_000);

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

/**
 * The README's quick start ("The two commands" and the ntfy step below them), read from
 * README.md and run in order on the clone the test above installed (it runs `npm install`
 * itself when run alone): a test notification must reach ntfy — a fake on loopback in
 * place of ntfy.sh. A step this test does not know fails it, so the README cannot gain
 * one that nobody runs.
 */
function quickStartCommands(readme: string): string[] {
  const section = /^## The two commands\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? '';
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks
    .flatMap((block) => block.split('\n'))
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter(Boolean)
    .flatMap((line) => line.split(/\s*&&\s*/));
}

describe('the README quick start on a clean clone, the ntfy step against a local fake', () => {
  it(
    'installs, starts, and the test notification of the ntfy step arrives',
    async () => {
      const commands = quickStartCommands(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
      expect(commands.slice(0, 3)).toEqual(['npm install', 'npm start', 'npm test']);
      expect(commands.some((c) => c.includes(' init ') && c.includes('--ntfy https://ntfy.sh/'))).toBe(true);

      const clone = path.join(work, 'vigil');
      const home = path.join(work, 'quick-start-home');
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`,
        HOME: path.join(work, 'quick-start-user'),
        VIGIL_HOME: home,
        VIGIL_PORT: '0',
        npm_config_prefer_offline: 'true',
        npm_config_cache: path.join(os.homedir(), '.npm'),
      };
      for (const key of Object.keys(env)) if (key.startsWith('VITEST') || key === 'VIGIL_FAILPOINTS') delete env[key];
      fs.mkdirSync(env.HOME!, { recursive: true });
      const ntfy = await fakeChat();
      let start: ReturnType<typeof spawn> | undefined;
      let out = '';
      try {
        for (const command of commands) {
          if (command === 'npm install') {
            // The test above installed this clone: a second install would only cost minutes.
            if (fs.existsSync(path.join(clone, 'dist/cli/main.js'))) continue;
            cleanCheckout(clone);
            const install = spawnSync('npm', ['install'], { cwd: clone, env, encoding: 'utf8', timeout: 240_000 });
            expect(install.status, install.stderr.slice(-3000)).toBe(0);
          } else if (command === 'npm start') {
            start = spawn('npm', ['start'], { cwd: clone, env, stdio: ['ignore', 'pipe', 'pipe'] });
            start.stdout!.on('data', (d: Buffer) => (out += d.toString()));
            start.stderr!.on('data', (d: Buffer) => (out += d.toString()));
            await waitFor(() => fs.existsSync(path.join(home, 'daemon.json')), 30_000, 'daemon.json');
          } else if (command === 'npm test') {
            // This suite is `npm test`.
          } else if (command.includes('--ntfy https://ntfy.sh/')) {
            const step = command.replace('https://ntfy.sh/', `${ntfy.url}/`);
            // Asynchronous: the fake ntfy answers from this process meanwhile.
            const ran = await new Promise<{ code: number | null; text: string }>((resolve) => {
              const child = spawn('sh', ['-c', step], { cwd: clone, env, stdio: ['ignore', 'pipe', 'pipe'] });
              let text = '';
              child.stdout.on('data', (d: Buffer) => (text += d.toString()));
              child.stderr.on('data', (d: Buffer) => (text += d.toString()));
              child.once('exit', (code) => resolve({ code, text }));
            });
            expect(ran.code, ran.text).toBe(0);
          } else {
            throw new Error(`the README's quick start has a step this test does not run: ${command}`);
          }
        }
        expect(ntfy.requests).toHaveLength(1);
        expect(ntfy.requests[0]!.path).toMatch(/^\/vigil-/);
        expect(ntfy.requests[0]!.headers.title).toBe('vigil is set up');
        expect(String(ntfy.requests[0]!.json.unparsable)).toContain('test message');
        const config = JSON.parse(fs.readFileSync(path.join(home, 'config.json'), 'utf8')) as { notify?: { ntfy?: { url?: string } } };
        expect(config.notify?.ntfy?.url).toMatch(new RegExp(`^${ntfy.url}/vigil-`));
      } finally {
        if (start && start.exitCode === null) {
          const info = JSON.parse(fs.readFileSync(path.join(home, 'daemon.json'), 'utf8')) as { pid: number };
          process.kill(info.pid, 'SIGTERM');
          await new Promise((resolve) => start!.once('exit', resolve));
        }
        await ntfy.close();
      }
    },
    300_000,
  );
});

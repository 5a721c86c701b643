import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { cliEnv, ROOT } from '../helpers/home.js';

// Publishable (issue 16): the package packs as `vigil-agent`, and the tarball alone,
// installed into an empty folder, gives a working `vigil` command. No network: the
// dependencies come from the npm cache by the integrity this repository's lockfile
// pins (the cache holds tarballs but no registry metadata, so the install is given a
// lockfile: the production part of ours, with the tarball as the one new package).

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-pack-'));
// An installed node_modules is thousands of files: on a loaded machine removing it outlasts the default 30 s hook.
afterAll(() => fs.rmSync(work, { recursive: true, force: true }), 180_000);

const npm = (args: string[], cwd: string) =>
  spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, { cwd, encoding: 'utf8', timeout: 240_000, env: { ...process.env, npm_config_update_notifier: 'false' } });

interface LockEntry {
  version?: string;
  dev?: boolean;
  dependencies?: Record<string, string>;
  [key: string]: unknown;
}

/** The app's lockfile: the tarball, and every non-dev package of ours at the top of node_modules (where npm hoists them). */
function appLock(tarball: string, manifest: { name: string; version: string; dependencies: Record<string, string>; bin: Record<string, string>; engines: Record<string, string>; license: string }) {
  const ours = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const packages: Record<string, LockEntry> = {
    '': { name: 'app', dependencies: { [manifest.name]: `file:${path.basename(tarball)}` } },
    [`node_modules/${manifest.name}`]: {
      version: manifest.version,
      resolved: `file:${path.basename(tarball)}`,
      integrity: `sha512-${crypto.createHash('sha512').update(fs.readFileSync(tarball)).digest('base64')}`,
      license: manifest.license,
      dependencies: manifest.dependencies,
      bin: manifest.bin,
      engines: manifest.engines,
    },
  };
  for (const [key, entry] of Object.entries(ours.packages)) {
    if (key === '' || entry.dev || !key.startsWith('node_modules/')) continue;
    // Where the registry serves it: the key the cache holds its tarball under (our lockfile omits it, .npmrc
    // omit-lockfile-registry-resolved, and without it npm asks the registry for metadata the cache may lack).
    const name = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const resolved = entry.resolved ?? `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${entry.version}.tgz`;
    packages[key] = { ...entry, resolved };
  }
  return { name: 'app', lockfileVersion: 3, requires: true, packages };
}

it('npm pack → install the tarball offline into an empty folder → vigil --version and vigil init work there', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Parameters<typeof appLock>[1] & { files: string[] };
  expect(manifest.name).toBe('vigil-agent');
  expect(manifest.bin).toEqual({ vigil: 'dist/cli/main.js' });
  expect(manifest.engines.node).toBe('>=22');

  // dist/ is fresh (the global setup built it): pack without running prepare again.
  const packed = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT);
  expect(packed.status, packed.stderr).toBe(0);
  const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  const files = info!.files.map((f) => f.path);
  expect(files).toEqual(expect.arrayContaining(['dist/cli/main.js', 'README.md', 'LICENSE', 'package.json', 'systemd/user/vigil.service', 'launchd/dev.vigil.plist']));
  // Only what runs: no sources, tests or benchmarks.
  expect(files.filter((f) => /^(src|test|bench)\//.test(f))).toEqual([]);

  const app = path.join(work, 'app');
  fs.mkdirSync(app);
  const tarball = path.join(app, info!.filename);
  fs.renameSync(path.join(work, info!.filename), tarball);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, dependencies: { [manifest.name]: `file:${info!.filename}` } }));
  fs.writeFileSync(path.join(app, 'package-lock.json'), JSON.stringify(appLock(tarball, manifest), null, 2));
  // Install scripts run, as on a user's machine. A lockfile install runs better-sqlite3's implicit
  // `node-gyp rebuild` (the lockfile does not carry its gypfile:false); with a prebuild for this
  // platform that build is a no-op, if the node-gyp found first is one that works on this Node
  // (a dependency bringing node-gyp 7, as dbus-next's usocket did, made this install fail).
  const installed = npm(['ci', '--offline', '--no-audit', '--no-fund'], app);
  expect(installed.status, `${installed.stdout}\n${installed.stderr}`).toBe(0);
  // The scripts did run: node-gyp leaves its build folder behind, even when it builds nothing.
  expect(fs.existsSync(path.join(app, 'node_modules', 'better-sqlite3', 'build', 'Makefile'))).toBe(true);

  const bin = path.join(app, 'node_modules', '.bin', 'vigil');
  const env = cliEnv(path.join(work, 'home'));
  const version = execFileSync(bin, ['--version'], { encoding: 'utf8', env });
  expect(version.trim()).toBe(manifest.version);

  // `--non-interactive` when this vigil's init has it (issue 16's init); the plain init otherwise.
  const initHelp = execFileSync(bin, ['init', '--help'], { encoding: 'utf8', env });
  const init = spawnSync(bin, ['init', ...(initHelp.includes('--non-interactive') ? ['--non-interactive'] : [])], { encoding: 'utf8', env, timeout: 60_000 });
  expect(init.status, init.stderr).toBe(0);
  expect(fs.existsSync(path.join(work, 'home', 'config.json'))).toBe(true);
  // The store opens from the installed copy: the native module came with it.
  const status = spawnSync(bin, ['status', '--json'], { encoding: 'utf8', env, timeout: 60_000 });
  expect(status.status, status.stderr).toBe(69);
  expect(JSON.parse(status.stdout)).toMatchObject({ status: 'stopped' });
}, 300_000);

import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Set when the command could not be started at all (not on PATH). */
  error?: string;
}

/**
 * What install, uninstall and doctor learn from and do to the machine, in one place,
 * so that a test can ask "what would this do on macOS?" on Linux: the platform, the
 * environment (HOME, XDG_CONFIG_HOME, PATH…), who runs it, and how commands run.
 */
export interface ServiceHost {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  uid: number;
  username: string;
  /** Absolute node binary: a service has no shell PATH to find `node` with. */
  execPath: string;
  /** The running node's version ("24.21.0"): doctor judges it, install records execPath. */
  nodeVersion: string;
  /** Absolute `dist/cli/main.js` of this installation of vigil. */
  entry: string;
  run(argv: readonly string[]): RunResult;
}

/** The package root: `dist/service/` and `src/service/` both sit two levels below it. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function systemHost(env: NodeJS.ProcessEnv = process.env): ServiceHost {
  return {
    platform: process.platform,
    env,
    uid: process.getuid?.() ?? -1,
    username: os.userInfo().username,
    execPath: process.execPath,
    nodeVersion: process.versions.node,
    entry: path.join(PACKAGE_ROOT, 'dist', 'cli', 'main.js'),
    run: (argv) => runCommand(argv, env),
  };
}

export function runCommand(argv: readonly string[], env: NodeJS.ProcessEnv): RunResult {
  const [cmd, ...args] = argv;
  const res = spawnSync(cmd!, args, { env, encoding: 'utf8', timeout: 15_000 });
  return {
    status: res.status,
    stdout: res.stdout ?? '',
    stderr: res.stderr ?? '',
    ...(res.error ? { error: res.error.message } : {}),
  };
}

/** HOME as the environment says (tests point it at a temp dir), else the account's. */
export function homeDir(host: ServiceHost): string {
  return host.env.HOME?.trim() || os.homedir();
}

import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './home.js';

/**
 * Which packages a vigil process under test loaded: the preload package-trace.mjs writes
 * `<pid> <package>` for each package it resolves (and `node:undici` at exit when Node's
 * own undici was loaded). `env` preloads it into a process; `packagesOf` reads one pid's.
 */
export function tracePackages(dir: string): { trace: string; env: NodeJS.ProcessEnv } {
  const trace = path.join(dir, 'packages.trace');
  return { trace, env: { NODE_OPTIONS: `--import=${path.join(ROOT, 'test/helpers/package-trace.mjs')}`, PACKAGE_TRACE_FILE: trace } };
}

export function packagesOf(file: string, pid: number): string[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith(`${pid} `))
    .map((line) => line.slice(String(pid).length + 1));
}

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { macProfile } from './sandbox-mac.js';

/**
 * The wall around everything the agent causes (issue 12): allowed commands, the
 * external agent, and git run inside the worktree. The worktree is the only place
 * written; system paths are read-only; `$HOME` is an empty tmpfs (so no `~/.vigil`,
 * `~/.ssh`, `~/.config`) into which only the paths the owner listed are bound
 * read-only; commands get no network at all.
 *
 * Linux: bubblewrap, called directly. `@anthropic-ai/sandbox-runtime` was evaluated
 * first (0.0.83): on Linux it refuses to start without `socat` and `ripgrep` besides
 * `bwrap`, it reads everything but a deny-list (the contract needs an allow-list:
 * system paths only), and it keeps one process-wide manager with host-side proxies.
 * The one thing it adds, a host filter for the external agent, is host-filter.ts here,
 * on Node alone.
 * macOS: `sandbox-exec` with the profile in sandbox-mac.ts.
 */

export interface SandboxSpec {
  /** The worktree: bound read-write at its own path, the working directory. */
  root: string;
  /** Commands: none. The external agent: the host's network (its model API). */
  network: boolean;
  /** Bound read-only at their own paths: the agent command's files, `agent.allowPaths`, the Node.js that runs vigil. */
  readOnly: readonly string[];
  /** Never visible, even inside a read-only path above: vigil's home, `~/.ssh`. */
  hidden: readonly string[];
  /** The clone's git dir, read-only with its config and hooks blanked: git inside can read history, not the owner's settings. */
  gitDir?: string;
  /** An empty regular file of vigil's, bound over the git dir's config (a device node would not open: bwrap mounts nodev). */
  blank?: string;
  /** Folders of vigil's bound read-write besides the worktree: the host filter's socket. */
  writable?: readonly string[];
}

export type Sandbox =
  | { kind: 'bwrap'; binary: string; startMs: number }
  | { kind: 'sandbox-exec'; binary: string; startMs: number }
  | { kind: 'none'; reason: string };

/** Read-only from the host: enough for shells, compilers and interpreters installed system-wide. */
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/nix/store', '/run/current-system'];
/** Of /etc only what programs need to start and resolve names; not shadow files, npmrc or pip.conf (they may hold tokens). */
const SYSTEM_ETC = [
  'passwd', 'group', 'hosts', 'resolv.conf', 'nsswitch.conf', 'host.conf', 'gai.conf', 'ssl', 'ca-certificates', 'ca-certificates.conf', 'pki',
  'alternatives', 'ld.so.cache', 'ld.so.conf', 'ld.so.conf.d', 'localtime', 'os-release', 'mime.types', 'gitconfig', 'protocols', 'services',
].map((name) => `/etc/${name}`);

let detected: Sandbox | undefined;

/** Which sandbox can start here, probed once per process (a real start, timed). */
export function detectSandbox(): Sandbox {
  detected ??= probe();
  return detected;
}

function probe(): Sandbox {
  const spec: SandboxSpec = { root: os.tmpdir(), network: false, readOnly: [], hidden: [] };
  if (process.platform === 'linux') {
    const binary = findOnPath('bwrap');
    if (!binary) return { kind: 'none', reason: 'bubblewrap (bwrap) is not installed' };
    const started = performance.now();
    const run = spawnSync(binary, [...bwrapArgs(spec), '--', 'true'], { encoding: 'utf8', timeout: 10_000 });
    if (run.status !== 0) return { kind: 'none', reason: `bwrap cannot start a sandbox here: ${(run.stderr || run.error?.message || `exit ${run.status}`).trim()}` };
    return { kind: 'bwrap', binary, startMs: Math.round(performance.now() - started) };
  }
  if (process.platform === 'darwin') {
    const binary = '/usr/bin/sandbox-exec';
    if (!fs.existsSync(binary)) return { kind: 'none', reason: 'sandbox-exec is missing' };
    const started = performance.now();
    const run = spawnSync(binary, ['-p', macProfile(spec), '/usr/bin/true'], { encoding: 'utf8', timeout: 10_000 });
    if (run.status !== 0) return { kind: 'none', reason: `sandbox-exec cannot start here: ${(run.stderr || `exit ${run.status}`).trim()}` };
    return { kind: 'sandbox-exec', binary, startMs: Math.round(performance.now() - started) };
  }
  return { kind: 'none', reason: `no sandbox is known on ${process.platform}` };
}

/** argv that runs `argv` inside the sandbox; undefined when none can start. */
export function sandboxed(spec: SandboxSpec, argv: readonly string[], sandbox: Sandbox = detectSandbox()): string[] | undefined {
  if (sandbox.kind === 'bwrap') return [sandbox.binary, ...bwrapArgs(spec), '--', ...argv];
  if (sandbox.kind === 'sandbox-exec') return [sandbox.binary, '-p', macProfile(spec), ...argv];
  return undefined;
}

function bwrapArgs(spec: SandboxSpec): string[] {
  const args = ['--unshare-all', ...(spec.network ? ['--share-net'] : []), '--die-with-parent', '--new-session'];
  for (const dir of SYSTEM_DIRS) args.push(...systemBind(dir));
  for (const file of SYSTEM_ETC) if (fs.existsSync(file)) args.push('--ro-bind', file, file);
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp', '--tmpfs', '/var/tmp');
  const home = os.homedir();
  if (path.isAbsolute(home) && !isSystemPath(home)) args.push('--tmpfs', home);
  const hidden = spec.hidden.flatMap(withRealPath);
  // A listed path inside vigil's home or ~/.ssh is not bound: those stay unseen whatever the list says.
  const readOnly = unique(spec.readOnly.flatMap(withRealPath)).filter((p) => !isSystemPath(p) && !hidden.some((h) => isInside(h, p)));
  for (const p of readOnly) args.push('--ro-bind-try', p, p);
  // A listed path that holds vigil's home or ~/.ssh (allowPaths ["~"]) still shows neither.
  for (const h of hidden) if (readOnly.some((p) => isInside(p, h)) && fs.existsSync(h)) args.push('--tmpfs', h);
  if (spec.gitDir && spec.blank) {
    args.push('--ro-bind', spec.gitDir, spec.gitDir, '--ro-bind', spec.blank, path.join(spec.gitDir, 'config'));
    if (fs.existsSync(path.join(spec.gitDir, 'hooks'))) args.push('--tmpfs', path.join(spec.gitDir, 'hooks'));
  }
  for (const dir of spec.writable ?? []) args.push('--bind', dir, dir);
  const root = fs.realpathSync(spec.root);
  args.push('--bind', root, root, '--chdir', root);
  return args;
}

/** merged-/usr systems have /bin → usr/bin: keep the link, bind real folders. */
function systemBind(dir: string): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(dir);
  } catch {
    return [];
  }
  if (stat.isSymbolicLink()) return ['--symlink', fs.readlinkSync(dir), dir];
  return stat.isDirectory() ? ['--ro-bind', dir, dir] : [];
}

export function isSystemPath(p: string): boolean {
  return SYSTEM_DIRS.some((dir) => isInside(dir, p));
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

function withRealPath(p: string): string[] {
  try {
    const real = fs.realpathSync(p);
    return real === p ? [p] : [p, real];
  } catch {
    return [p];
  }
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

export function findOnPath(name: string, envPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The Node.js that runs vigil (its install prefix): `node`, `npm` and `npx` must work inside. */
export function nodePrefix(): string {
  return path.dirname(path.dirname(fs.realpathSync(process.execPath)));
}

/**
 * The files a command needs to run: its program as found on PATH (and where the link
 * leads), and every absolute path among its words (an interpreter's script).
 */
export function programPaths(argv: readonly string[], envPath?: string): string[] {
  const [program, ...rest] = argv;
  const found = program && !program.includes('/') ? findOnPath(program, envPath) : program;
  const out: string[] = [];
  for (const p of [found, ...rest.filter((w) => path.isAbsolute(w))]) {
    if (!p || !fs.existsSync(p)) continue;
    out.push(p, path.dirname(fs.realpathSync(p)));
  }
  return out;
}

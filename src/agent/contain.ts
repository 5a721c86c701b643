import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Refusal } from './confine.js';
import { commandEnv, externalEnv } from './env.js';
import { BRIDGE, type HostFilter } from './host-filter.js';
import { detectSandbox, nodePrefix, programPaths, sandboxed, type Sandbox, type SandboxSpec } from './sandbox.js';

/**
 * How one task's processes run (issue 12): inside the sandbox when one can start;
 * without it only when the owner set `agent.unsandboxed: true`; otherwise refused.
 * Either way their environment holds none of vigil's secrets.
 */

export interface Containment {
  sandbox: Sandbox;
  /** `agent.unsandboxed`: run without a sandbox where none can start. */
  unsandboxed: boolean;
  /** `agent.allowPaths`, `~` expanded: read-only for the external agent. */
  allowPaths: readonly string[];
  /** Never visible inside: vigil's home and ~/.ssh. */
  hidden: readonly string[];
  /** The clone's git dir, readable (config and hooks blanked) so git inside can read history. */
  gitDir: string;
  /** An empty file of vigil's (under its home) that stands in for the clone's config inside. */
  blank?: string;
  /** Secret values no environment may carry. */
  withhold: readonly string[];
}

export const EXTERNAL = 'the external agent (agent.command)';

export interface Contained {
  argv: string[];
  env: NodeJS.ProcessEnv;
  /** True when it runs without a sandbox (agent.unsandboxed). */
  bare: boolean;
}

export function containment(options: { home: string; gitDir: string; allowPaths: readonly string[]; unsandboxed: boolean; withhold: readonly string[] }): Containment {
  return {
    sandbox: detectSandbox(),
    unsandboxed: options.unsandboxed,
    allowPaths: options.allowPaths.map(expandHome),
    hidden: [options.home, path.join(os.homedir(), '.ssh')],
    gitDir: options.gitDir,
    blank: blankFile(path.join(options.home, 'agent', 'blank')),
    withhold: options.withhold,
  };
}

/** Created once, read-only; rewritten empty if anything ever filled it. */
function blankFile(file: string): string {
  if (fs.existsSync(file) && fs.statSync(file).size === 0) return file;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.rmSync(file, { force: true });
  fs.writeFileSync(file, '', { mode: 0o444 });
  return file;
}

/** An allowed command: the worktree, system paths and the Node.js that runs vigil; no network. */
export function containCommand(c: Containment, root: string, words: readonly string[]): Contained {
  const env = commandEnv(c.withhold);
  // Only the program's own files: the other words are the model's, and a path among them must not become a bind.
  const spec: SandboxSpec = { root, network: false, readOnly: [nodePrefix(), ...programPaths(words.slice(0, 1), env.PATH)], hidden: c.hidden, gitDir: c.gitDir, blank: c.blank };
  return wrap(c, spec, words, env, 'commands');
}

/** Whether agent.allowHosts can be enforced here: bubblewrap cuts the network, the host filter is the one way out. */
export function filtersHosts(c: Containment, allowHosts: readonly string[]): boolean {
  return allowHosts.length > 0 && c.sandbox.kind === 'bwrap';
}

/**
 * The external agent: also its own files and `agent.allowPaths` (read-only), and the
 * network for its model API — the host's, or with a host filter only the hosts in
 * agent.allowHosts, through the relay that runs in front of it.
 */
export function containExternal(c: Containment, root: string, command: readonly string[], filter?: HostFilter): Contained {
  const env = externalEnv(c.withhold);
  const argv = filter ? [process.execPath, '-e', BRIDGE, filter.socket, ...command] : command;
  const spec: SandboxSpec = {
    root,
    network: !filter,
    writable: filter ? [path.dirname(filter.socket)] : [],
    readOnly: [nodePrefix(), ...programPaths(command, env.PATH), ...c.allowPaths],
    hidden: c.hidden,
    gitDir: c.gitDir,
    blank: c.blank,
  };
  return wrap(c, spec, argv, env, EXTERNAL);
}

/** A Refusal when no sandbox can start and the owner did not set agent.unsandboxed. */
export function requireContainment(c: Containment, what: string): void {
  if (c.sandbox.kind === 'none' && !c.unsandboxed) {
    throw new Refusal(`no sandbox can start here (${c.sandbox.reason}): ${what} run only with agent.unsandboxed: true`);
  }
}

function wrap(c: Containment, spec: SandboxSpec, argv: readonly string[], env: NodeJS.ProcessEnv, what: string): Contained {
  requireContainment(c, what);
  const inside = sandboxed(spec, argv, c.sandbox);
  return inside ? { argv: inside, env, bare: false } : { argv: [...argv], env, bare: true };
}

function expandHome(p: string): string {
  return p === '~' ? os.homedir() : p.startsWith('~/') ? path.join(os.homedir(), p.slice(2)) : path.resolve(p);
}

import { spawn } from 'node:child_process';
import { Refusal } from './confine.js';

/**
 * The agent's `bash` tool. Only commands that start with a prefix the owner listed in
 * `agent.allowCommands` run (none listed: bash refuses everything). A command is one
 * simple command: no chaining, pipes, redirections, substitutions or backgrounding —
 * otherwise `npm test; curl …` would pass a prefix check. Network tools are refused
 * even when a prefix would allow them.
 */

const SHELL_SYNTAX = /[;&|<>`$(){}\n\r\\*?[\]~!#'"]/;
const NETWORK_TOOLS = new Set([
  'curl', 'wget', 'nc', 'ncat', 'netcat', 'ssh', 'scp', 'sftp', 'rsync', 'ftp', 'telnet', 'socat', 'http', 'https', 'aria2c', 'dig', 'nslookup', 'ping',
]);
const NETWORK_SUBCOMMANDS = [/^git\s+(push|fetch|pull|clone|remote|ls-remote|submodule)\b/, /^(npm|pnpm|yarn)\s+(install|i|add|publish|ci|update)\b/, /^pip\d?\s+install\b/];

export function checkCommand(command: string, allow: readonly string[]): void {
  const trimmed = command.trim().replace(/[ \t]+/g, ' ');
  if (!trimmed) throw new Refusal('an empty command');
  if (SHELL_SYNTAX.test(trimmed)) throw new Refusal(`"${trimmed}": only one simple command, without shell operators, may run`);
  const words = trimmed.split(' ');
  if (words.some((word) => NETWORK_TOOLS.has(word.replace(/^.*\//, '')))) throw new Refusal(`"${trimmed}": network tools are not available`);
  if (NETWORK_SUBCOMMANDS.some((pattern) => pattern.test(trimmed))) throw new Refusal(`"${trimmed}": network commands are not available`);
  const allowed = allow.some((prefix) => {
    const p = prefix.trim().replace(/\s+/g, ' ');
    return p.length > 0 && (trimmed === p || trimmed.startsWith(p + ' '));
  });
  if (!allowed) {
    const list = allow.length ? allow.map((p) => `"${p}"`).join(', ') : 'none (agent.allowCommands is empty)';
    throw new Refusal(`"${trimmed}" is not an allowed command; allowed prefixes: ${list}`);
  }
}

export interface RunOptions {
  cwd: string;
  timeoutMs: number;
  /** Bytes of output kept (stdout and stderr interleaved); the rest is counted, not kept. */
  outputCap: number;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  stdin?: string;
}

export interface RunResult {
  code: number | null;
  signal: string | null;
  output: string;
  truncated: boolean;
  timedOut: boolean;
  aborted: boolean;
}

/** Runs argv (no shell) in its own process group, killed whole on timeout or abort. */
export function runCapped(argv: readonly string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd, env: options.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let kept = 0;
    let truncated = false;
    let timedOut = false;
    let aborted = false;
    const take = (chunk: Buffer) => {
      if (kept >= options.outputCap) return void (truncated = true);
      const part = chunk.subarray(0, options.outputCap - kept);
      if (part.length < chunk.length) truncated = true;
      chunks.push(part);
      kept += part.length;
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const kill = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => ((timedOut = true), kill()), options.timeoutMs);
    const onAbort = () => ((aborted = true), kill());
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ code, signal, output: Buffer.concat(chunks).toString('utf8'), truncated, timedOut, aborted });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(options.stdin ?? '');
  });
}

/** What the agent's processes see: no credentials of vigil's, no git prompts. */
export function agentEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TERM', 'TMPDIR', 'USER', 'SHELL', 'NODE_OPTIONS'];
  const env: NodeJS.ProcessEnv = { GIT_TERMINAL_PROMPT: '0', CI: '1' };
  for (const key of keep) if (base[key] !== undefined) env[key] = base[key];
  return env;
}

import { containExternal, type Containment } from './contain.js';
import type { HostFilter } from './host-filter.js';
import { fencedTask } from './prompt.js';
import { runCapped } from './run.js';
import { errorText } from '../errors.js';

/**
 * External-agent mode: the command in `agent.command` (`["claude", "-p"]`, `["codex",
 * "exec"]` …) runs in the worktree, in the sandbox (contain.ts), with the fenced
 * instructions on stdin. Its output (capped, redacted) is the transcript and the
 * summary; its changes end like the built-in agent's.
 */

export interface ExternalOptions {
  command: readonly string[];
  root: string;
  repo: string;
  instructions: string;
  timeoutMs: number;
  outputCap: number;
  signal: AbortSignal;
  containment: Containment;
  /** agent.allowHosts enforced: the only way out of the sandbox. */
  hostFilter?: HostFilter;
  redact: (text: string) => string;
}

export async function runExternalAgent(options: ExternalOptions): Promise<{ summary: string; output: string }> {
  const run = containExternal(options.containment, options.root, options.command, options.hostFilter);
  const result = await runCapped(run.argv, {
    cwd: options.root,
    timeoutMs: options.timeoutMs,
    outputCap: options.outputCap,
    env: run.env,
    signal: options.signal,
    stdin: fencedTask(options.repo, options.instructions),
  }).catch((err: unknown) => {
    throw new Error(`agent.command ${JSON.stringify(options.command[0])} could not start: ${errorText(err)}`);
  });
  if (result.aborted) throw options.signal.reason ?? new Error('aborted');
  if (result.timedOut) throw new Error(`time budget exceeded: the agent command ran longer than ${Math.round(options.timeoutMs / 1000)} s`);
  const output = options.redact(result.output);
  if (result.code !== 0) throw new Error(`the agent command failed (exit ${result.code ?? result.signal}): ${tail(output)}`);
  return { summary: tail(output, 4000), output };
}

function tail(text: string, max = 1000): string {
  const trimmed = text.trim();
  return trimmed.length <= max ? trimmed : `…${trimmed.slice(-max)}`;
}

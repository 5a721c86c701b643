import { runCapped } from './bash.js';

/**
 * External-agent mode: the command in `agent.command` (`["claude", "-p"]`, `["codex",
 * "exec"]` …) runs in the worktree with the instructions on stdin. Its output (capped)
 * is the transcript and the summary; its changes end like the built-in agent's.
 */

export interface ExternalOptions {
  command: readonly string[];
  root: string;
  instructions: string;
  timeoutMs: number;
  outputCap: number;
  signal: AbortSignal;
}

export async function runExternalAgent(options: ExternalOptions): Promise<{ summary: string; output: string }> {
  const result = await runCapped(options.command, {
    cwd: options.root,
    timeoutMs: options.timeoutMs,
    outputCap: options.outputCap,
    env: externalEnv(),
    signal: options.signal,
    stdin: options.instructions,
  }).catch((err: unknown) => {
    throw new Error(`agent.command ${JSON.stringify(options.command[0])} could not start: ${(err as Error).message}`);
  });
  if (result.aborted) throw options.signal.reason ?? new Error('aborted');
  if (result.timedOut) throw new Error(`time budget exceeded: the agent command ran longer than ${Math.round(options.timeoutMs / 1000)} s`);
  if (result.code !== 0) throw new Error(`the agent command failed (exit ${result.code ?? result.signal}): ${tail(result.output)}`);
  return { summary: tail(result.output, 4000), output: result.output };
}

/** The agent CLI keeps its own login (HOME) and keys, but never vigil's GitHub credentials. */
function externalEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0' };
  for (const key of Object.keys(env)) if (/^(GITHUB_TOKEN|GH_TOKEN|VIGIL_)/.test(key)) delete env[key];
  return env;
}

function tail(text: string, max = 1000): string {
  const trimmed = text.trim();
  return trimmed.length <= max ? trimmed : `…${trimmed.slice(-max)}`;
}

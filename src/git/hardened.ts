/**
 * vigil's own git trusts nothing in the repository it runs on (issues 9 and 12): the
 * options here turn off what a config file, a nested repository or the environment
 * could otherwise make git run or read — fsmonitor (a command), hooks, the untracked
 * cache, recursion into submodules — and no `GIT_*` variable reaches it (GIT_DIR,
 * GIT_CONFIG_*, GIT_EXEC_PATH … would steer it from outside). Every caller names the
 * git dir itself (and the work tree, when one is involved), so git never discovers
 * either from a `.git` file someone else wrote.
 */

/** Before every subcommand: settings no config file may turn back on. */
export const DISTRUST: readonly string[] = [
  '-c',
  'core.fsmonitor=false',
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'core.untrackedCache=false',
  '-c',
  'submodule.recurse=false',
];

export interface GitTarget {
  /** The git dir (a worktree's admin folder, or a clone's common dir). */
  gitDir: string;
  /** The work tree, when the command reads or writes files; absent, git gets none. */
  workTree?: string;
}

/** The full argv of `git <subcommand> …` on exactly this git dir and work tree. `options` go before the subcommand (`-c` settings). */
export function gitArgv(target: GitTarget, subcommand: string, args: readonly string[] = [], options: readonly string[] = []): string[] {
  return [`--git-dir=${target.gitDir}`, ...(target.workTree ? [`--work-tree=${target.workTree}`] : []), ...DISTRUST, ...options, subcommand, ...args];
}

/** This process's environment without anything that steers git from outside, and never a prompt for credentials. */
export function gitEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) if (!key.startsWith('GIT_')) clean[key] = value;
  return { ...clean, GIT_TERMINAL_PROMPT: '0' };
}

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { commonGitDir, gitArgv, gitEnv, type GitTarget } from '../git/index.js';

/**
 * The task's git: a worktree of the owner's clone on its own branch, in vigil's home.
 * The owner's working tree is never touched — `git worktree add` writes only under
 * the clone's .git (the branch ref and the worktree's bookkeeping), and both are
 * removed when the task ends.
 *
 * vigil's own git trusts nothing the agent could have written (issue 12): it names the
 * git dir and the work tree itself (the worktree's `.git` file is never read), turns
 * off fsmonitor and hooks, ignores what git would find in nested repositories, and
 * takes nothing from `GIT_*` variables (src/git). It runs outside the sandbox — push needs the
 * owner's keys — so it runs on the worktree only after `verifyWorktree` (worktree-guard.ts).
 */

export const CO_AUTHOR = 'Co-authored-by: vigil <vigil@users.noreply.github.com>';

/** `git <subcommand> …` on exactly this git dir and work tree. */
export function git(target: GitTarget, subcommand: string, args: readonly string[] = [], identity: readonly string[] = []): Promise<string> {
  const argv = gitArgv(target, subcommand, args, identity);
  return new Promise((resolve, reject) => {
    execFile('git', argv, { cwd: target.workTree ?? target.gitDir, env: gitEnv(), maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`git ${subcommand} failed: ${(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
  });
}

export interface Worktree {
  clone: string;
  dir: string;
  branch: string;
  /** The clone's common git dir (objects, refs, the owner's config). */
  commonDir: string;
  /** The worktree's admin folder under the common dir (HEAD, index, gitdir, commondir). */
  adminDir: string;
}

/** The clone's git dir, asked of the owner's clone (whose config the owner wrote), fsmonitor and hooks off. */
export { commonGitDir };

/** A fresh worktree on `branch`, from `base` (default: the clone's HEAD). A leftover from a crashed try is replaced. */
export async function addWorktree(clone: string, dir: string, branch: string, base?: string): Promise<Worktree> {
  const commonDir = await commonGitDir(clone);
  await removeWorktree({ clone, dir, branch, commonDir, adminDir: '' });
  fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o700 });
  await git({ gitDir: commonDir }, 'worktree', ['add', '--quiet', '-B', branch, dir, base ?? 'HEAD']);
  // Read once, now, before anything else ran in it: git names the admin folder itself.
  const gitlink = fs.readFileSync(path.join(dir, '.git'), 'utf8').match(/^gitdir: (.+)$/m)?.[1];
  if (!gitlink) throw new Error(`git worktree add left no gitlink in ${dir}`);
  return { clone, dir: fs.realpathSync(dir), branch, commonDir, adminDir: fs.realpathSync(path.resolve(dir, gitlink.trim())) };
}

/**
 * Removes the worktree, its bookkeeping and the local branch (what was pushed stays on
 * the remote). The folder goes first and git only prunes what no longer exists, so no
 * git command reads the worktree the agent left.
 */
export async function removeWorktree(tree: Worktree): Promise<void> {
  fs.rmSync(tree.dir, { recursive: true, force: true });
  const common = { gitDir: tree.commonDir };
  await git(common, 'worktree', ['prune']).catch(() => undefined);
  await git(common, 'branch', ['-D', tree.branch]).catch(() => undefined);
}

function onTree(tree: Worktree): GitTarget {
  return { gitDir: tree.adminDir, workTree: tree.dir };
}

/** Files changed in the worktree (porcelain lines), untracked ones included. */
export async function changedFiles(tree: Worktree): Promise<string[]> {
  const status = await git(onTree(tree), 'status', ['--porcelain', '--untracked-files=all', '--ignore-submodules=all']);
  return status.split('\n').filter(Boolean).map((line) => line.slice(3));
}

/** One commit with everything, saying that vigil wrote it. Returns the commit id. */
export async function commitAll(tree: Worktree, subject: string, body: string): Promise<string> {
  await git(onTree(tree), 'add', ['--all']);
  const identity = (await git(onTree(tree), 'config', ['user.email']).catch(() => '')).trim()
    ? []
    : ['-c', 'user.name=vigil', '-c', 'user.email=vigil@users.noreply.github.com'];
  await git(onTree(tree), 'commit', ['--quiet', '--no-verify', '-m', subject, '-m', body, '-m', CO_AUTHOR], identity);
  return (await git(onTree(tree), 'rev-parse', ['HEAD'])).trim();
}

/** Pushed to the clone's `origin` (forced: a retried task replaces its own branch); no work tree involved. */
export async function pushBranch(tree: Worktree): Promise<string> {
  const remote = 'origin';
  await git({ gitDir: tree.commonDir }, 'push', ['--quiet', '--no-verify', '--force', remote, `refs/heads/${tree.branch}:refs/heads/${tree.branch}`]);
  return remote;
}

/**
 * The commit `branch` points at on the clone's `origin`, or undefined when the remote
 * has no such branch: a task claimed again looks whether its earlier run pushed (takeover.ts).
 */
export async function remoteBranchHead(commonDir: string, branch: string): Promise<string | undefined> {
  const out = await git({ gitDir: commonDir }, 'ls-remote', ['--heads', 'origin', `refs/heads/${branch}`]);
  const line = out.split('\n').find((l) => l.endsWith(`\trefs/heads/${branch}`));
  return line?.split('\t')[0];
}

/** The branch the pull request goes into: the remote's default branch, else the clone's current one. */
export async function baseBranch(tree: Pick<Worktree, 'commonDir'>, requested?: string): Promise<string> {
  if (requested) return requested.replace(/^origin\//, '');
  const common = { gitDir: tree.commonDir };
  const head = await git(common, 'symbolic-ref', ['--quiet', '--short', 'refs/remotes/origin/HEAD']).catch(() => '');
  if (head.trim()) return head.trim().replace(/^origin\//, '');
  return (await git(common, 'rev-parse', ['--abbrev-ref', 'HEAD'])).trim();
}

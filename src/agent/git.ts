import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The task's git: a worktree of the owner's clone on its own branch, in vigil's home.
 * The owner's working tree is never touched — `git worktree add` writes only under
 * the clone's .git (the branch ref and the worktree's bookkeeping), and both are
 * removed when the task ends.
 */

export const CO_AUTHOR = 'Co-authored-by: vigil <vigil@users.noreply.github.com>';

export function git(cwd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', [...args], { cwd, env: { ...env, GIT_TERMINAL_PROMPT: '0' }, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`git ${args[0]} failed: ${(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
  });
}

export interface Worktree {
  clone: string;
  dir: string;
  branch: string;
}

/** A fresh worktree on `branch`, from `base` (default: the clone's HEAD). A leftover from a crashed try is replaced. */
export async function addWorktree(clone: string, dir: string, branch: string, base?: string): Promise<Worktree> {
  await removeWorktree({ clone, dir, branch });
  fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o700 });
  await git(clone, ['worktree', 'add', '--quiet', '-B', branch, dir, base ?? 'HEAD']);
  return { clone, dir, branch };
}

/** Removes the worktree, its bookkeeping and the local branch (what was pushed stays on the remote). */
export async function removeWorktree(tree: Worktree): Promise<void> {
  if (fs.existsSync(tree.dir)) await git(tree.clone, ['worktree', 'remove', '--force', tree.dir]).catch(() => undefined);
  fs.rmSync(tree.dir, { recursive: true, force: true });
  await git(tree.clone, ['worktree', 'prune']).catch(() => undefined);
  await git(tree.clone, ['branch', '-D', tree.branch]).catch(() => undefined);
}

/** Files changed in the worktree (porcelain lines), untracked ones included. */
export async function changedFiles(tree: Worktree): Promise<string[]> {
  const status = await git(tree.dir, ['status', '--porcelain', '--untracked-files=all']);
  return status.split('\n').filter(Boolean).map((line) => line.slice(3));
}

/** One commit with everything, saying that vigil wrote it. Returns the commit id. */
export async function commitAll(tree: Worktree, subject: string, body: string): Promise<string> {
  await git(tree.dir, ['add', '--all']);
  const identity = (await git(tree.dir, ['config', 'user.email']).catch(() => '')).trim()
    ? []
    : ['-c', 'user.name=vigil', '-c', 'user.email=vigil@users.noreply.github.com'];
  await git(tree.dir, [...identity, 'commit', '--quiet', '--no-verify', '-m', subject, '-m', body, '-m', CO_AUTHOR]);
  return (await git(tree.dir, ['rev-parse', 'HEAD'])).trim();
}

/** Pushed to the clone's `origin` (forced: a retried task replaces its own branch). */
export async function pushBranch(tree: Worktree): Promise<string> {
  const remote = 'origin';
  await git(tree.dir, ['push', '--quiet', '--force', remote, `${tree.branch}:refs/heads/${tree.branch}`]);
  return remote;
}

/** The branch the pull request goes into: the remote's default branch, else the clone's current one. */
export async function baseBranch(clone: string, requested?: string): Promise<string> {
  if (requested) return requested.replace(/^origin\//, '');
  const head = await git(clone, ['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD']).catch(() => '');
  if (head.trim()) return head.trim().replace(/^origin\//, '');
  return (await git(clone, ['rev-parse', '--abbrev-ref', 'HEAD'])).trim();
}

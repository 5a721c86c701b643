import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isGitName } from './confine.js';
import type { Worktree } from './git.js';

/**
 * Before vigil's own git touches a worktree the agent had (issue 12), it checks that
 * the git metadata is as vigil made it: the worktree's `.git` file still points at the
 * admin folder git created, that folder holds nothing new and says the same, the
 * clone's config is unchanged, and no `.git` (any case, any depth) was planted in the
 * work tree. Anything else fails the task with the reason, before any git runs on it.
 */

/** A file in the admin folder whose content must not change (HEAD may only name the task's branch). */
const FIXED_FILES = ['gitdir', 'commondir', 'HEAD'];
/** What git itself may add to the admin folder while the task runs (nothing should: the sandbox keeps it read-only). */
const GIT_MAY_ADD = new Set(['index', 'logs', 'ORIG_HEAD', 'AUTO_MERGE']);

export interface WorktreeSnapshot {
  gitlink: string;
  adminEntries: string[];
  fixed: Record<string, string>;
  cloneConfig: string;
}

export function snapshotWorktree(tree: Worktree): WorktreeSnapshot {
  return {
    gitlink: fs.readFileSync(path.join(tree.dir, '.git'), 'utf8'),
    adminEntries: fs.readdirSync(tree.adminDir).sort(),
    fixed: Object.fromEntries(FIXED_FILES.map((name) => [name, readOrEmpty(path.join(tree.adminDir, name))])),
    cloneConfig: digest(path.join(tree.commonDir, 'config')),
  };
}

/** The reasons the worktree's git metadata is not as vigil made it; empty when it is. */
export function worktreeTampering(tree: Worktree, made: WorktreeSnapshot): string[] {
  const reasons: string[] = [];
  const gitlink = path.join(tree.dir, '.git');
  const stat = fs.lstatSync(gitlink, { throwIfNoEntry: false });
  if (!stat) reasons.push('the worktree\'s .git file was removed');
  else if (!stat.isFile()) reasons.push('the worktree\'s .git was replaced by a folder or a link');
  else if (fs.readFileSync(gitlink, 'utf8') !== made.gitlink) reasons.push('the worktree\'s .git file was rewritten to point elsewhere');
  const entries = fs.existsSync(tree.adminDir) ? fs.readdirSync(tree.adminDir) : [];
  const added = entries.filter((name) => !made.adminEntries.includes(name) && !GIT_MAY_ADD.has(name));
  if (added.length) reasons.push(`the worktree's admin folder gained ${added.join(', ')}`);
  for (const [name, content] of Object.entries(made.fixed)) {
    if (readOrEmpty(path.join(tree.adminDir, name)) !== content) reasons.push(`the worktree's admin file ${name} was changed`);
  }
  if (digest(path.join(tree.commonDir, 'config')) !== made.cloneConfig) reasons.push('the clone\'s git config was changed');
  const planted = plantedGitDirs(tree.dir);
  if (planted.length) reasons.push(`the work tree holds ${planted.map((p) => `"${p}"`).join(', ')} (git metadata vigil did not make)`);
  return reasons;
}

/** Every entry named `.git` in any case below the top (the top's own `.git` file is checked above); links are not followed. */
function plantedGitDirs(root: string, dir = '', out: string[] = []): string[] {
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    if (isGitName(entry.name) && rel !== '.git') out.push(rel);
    else if (entry.isDirectory()) plantedGitDirs(root, rel, out);
  }
  return out;
}

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function digest(file: string): string {
  return createHash('sha256').update(readOrEmpty(file)).digest('hex');
}

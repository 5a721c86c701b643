import path from 'node:path';
import type { WatchedRepo } from '../config/index.js';
import { commonGitDir } from '../git/index.js';
import { readGit } from './git-read.js';
import { refuse, repoRef } from './repo-input.js';

/** One watched clone as the tools see it: its git dir, and a commit to read at. */
export interface CloneAt {
  name: string;
  gitDir: string;
  sha: string;
  /** How the model named the commit, or which default was taken (`origin/main`). */
  label: string;
}

/** A tree entry: `ls-tree -l` fields. */
export interface TreeEntry {
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  oid: string;
  /** Bytes of a blob; undefined for trees and submodules. */
  size?: number;
  path: string;
}

/**
 * The watched clones by name ("owner/repo", as in the configuration, any case). Each
 * clone's git dir is asked once; a clone that cannot be read is asked again next time.
 */
export class Clones {
  private readonly gitDirs = new Map<string, Promise<string>>();

  constructor(private readonly repos: readonly WatchedRepo[]) {}

  private find(name: string): WatchedRepo & { path: string } {
    const repo = this.repos.find((r) => r.name.toLowerCase() === name.toLowerCase());
    if (!repo) {
      const watched = this.repos.map((r) => r.name).join(', ') || 'none';
      refuse(`${JSON.stringify(name)} is not a watched repository (watched: ${watched})`);
    }
    if (!repo.path) refuse(`${repo.name} has no local clone in the configuration (repos[].path), so its files cannot be read here`);
    return { ...repo, path: repo.path };
  }

  private async gitDir(repo: WatchedRepo & { path: string }): Promise<string> {
    const key = repo.name.toLowerCase();
    let pending = this.gitDirs.get(key);
    if (!pending) {
      pending = commonGitDir(path.resolve(repo.path));
      this.gitDirs.set(key, pending);
      pending.catch(() => this.gitDirs.delete(key));
    }
    return pending.catch(() => refuse(`the clone of ${repo.name} (${repo.path}) cannot be read as a git repository`));
  }

  /** The clone at `ref`, or at the default branch's head: origin/HEAD's target, else main or master, else HEAD. */
  async at(name: string, ref: string | undefined, signal: AbortSignal): Promise<CloneAt> {
    const repo = this.find(name);
    const gitDir = await this.gitDir(repo);
    const label = ref === undefined ? await defaultBranch(gitDir, signal) : repoRef(ref);
    const sha = await commitOf(gitDir, label, signal);
    if (!sha) refuse(`there is no commit ${JSON.stringify(label)} in the clone of ${repo.name}`);
    return { name: repo.name, gitDir, sha, label };
  }
}

async function commitOf(gitDir: string, ref: string, signal: AbortSignal): Promise<string | undefined> {
  const out = await readGit(gitDir, 'rev-parse', ['--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], { signal, maxBytes: 100 });
  const sha = out.stdout.toString('utf8').trim();
  return out.code === 0 && /^[0-9a-f]{40,64}$/.test(sha) ? sha : undefined;
}

async function defaultBranch(gitDir: string, signal: AbortSignal): Promise<string> {
  const remoteHead = await readGit(gitDir, 'symbolic-ref', ['--quiet', 'refs/remotes/origin/HEAD'], { signal, maxBytes: 1000 });
  const target = remoteHead.stdout.toString('utf8').trim();
  if (remoteHead.code === 0 && target.startsWith('refs/remotes/')) return target.slice('refs/remotes/'.length);
  for (const branch of ['main', 'master']) if (await commitOf(gitDir, `refs/heads/${branch}`, signal)) return branch;
  return 'HEAD';
}

/** The entry at `rel` in the commit's tree, without following anything: a path through a symlink does not exist in git's trees. */
export async function entryAt(clone: CloneAt, rel: string, signal: AbortSignal): Promise<TreeEntry | undefined> {
  const out = await readGit(clone.gitDir, 'ls-tree', ['-l', '-z', '--full-tree', clone.sha, '--', rel], { signal, maxBytes: 64 * 1024 });
  if (out.code !== 0) refuse(`${clone.name}: git ls-tree failed: ${out.stderr || `exit ${out.code}`}`);
  return parseEntries(out.stdout).find((entry) => entry.path === rel);
}

/** `ls-tree -l -z` records. */
export function parseEntries(stdout: Buffer): TreeEntry[] {
  const entries: TreeEntry[] = [];
  for (const record of stdout.toString('utf8').split('\0')) {
    const match = /^(\d{6}) (blob|tree|commit) ([0-9a-f]+) +(\d+|-)\t([\s\S]+)$/.exec(record);
    if (!match) continue;
    const [, mode, type, oid, size, entryPath] = match;
    entries.push({ mode: mode!, type: type as TreeEntry['type'], oid: oid!, ...(size !== '-' ? { size: Number(size) } : {}), path: entryPath! });
  }
  return entries;
}

/** The commit as the answers name it: `origin/main (1a2b3c4d5e6f)`. */
export function shownCommit(clone: CloneAt): string {
  return /^[0-9a-f]{7,64}$/.test(clone.label) ? clone.sha.slice(0, 12) : `${clone.label} (${clone.sha.slice(0, 12)})`;
}

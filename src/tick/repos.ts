import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { WatchedRepo } from '../config/index.js';
import { errorText } from '../errors.js';

/** Where a watched local clone stands: enough for the quiet-tick rule. */
export interface RepoHead {
  name: string;
  branch: string;
  head: string;
}

/** What a tick's prompt learns about a watched local clone. */
export interface RepoState extends RepoHead {
  recentCommits: string[];
  dirtyFiles: number;
  /** CLAUDE.md / AGENTS.md, capped: the owner's instructions for agents in this repo. */
  instructions: { file: string; text: string }[];
  error?: string;
}

const INSTRUCTION_FILES = ['CLAUDE.md', 'AGENTS.md'];
const INSTRUCTION_CAP = 8 * 1024;

function git(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, timeout: 10_000, maxBuffer: 1 << 20 }, (err, stdout) => {
      if (err) reject(err);
      else resolve(stdout.trim());
    });
  });
}

export async function readRepoHead(repo: WatchedRepo & { path: string }): Promise<RepoHead> {
  try {
    // One process for both, as every tick asks: `--abbrev-ref` applies to the revisions after it.
    const [head = '', branch = ''] = (await git(repo.path, ['rev-parse', 'HEAD', '--abbrev-ref', 'HEAD'])).split('\n');
    return { name: repo.name, branch, head };
  } catch (err) {
    // A clone that cannot be read is still a state; its recovery will count as a move.
    return { name: repo.name, branch: '?', head: `error: ${firstLine(err)}` };
  }
}

export async function readRepoState(repo: WatchedRepo & { path: string }): Promise<RepoState> {
  const head = await readRepoHead(repo);
  try {
    const [log, status] = await Promise.all([
      git(repo.path, ['log', '-5', '--format=%h %s (%an, %ar)']),
      git(repo.path, ['status', '--porcelain']),
    ]);
    const instructions: RepoState['instructions'] = [];
    for (const file of INSTRUCTION_FILES) {
      const text = await fs.readFile(path.join(repo.path, file), 'utf8').catch(() => undefined);
      if (text !== undefined) instructions.push({ file, text: text.slice(0, INSTRUCTION_CAP) });
    }
    return {
      ...head,
      recentCommits: log ? log.split('\n') : [],
      dirtyFiles: status ? status.split('\n').length : 0,
      instructions,
    };
  } catch (err) {
    return { ...head, recentCommits: [], dirtyFiles: 0, instructions: [], error: firstLine(err) };
  }
}

export function localRepos(repos: readonly WatchedRepo[]): (WatchedRepo & { path: string })[] {
  return repos.filter((r): r is WatchedRepo & { path: string } => typeof r.path === 'string');
}

function firstLine(err: unknown): string {
  return errorText(err).split('\n')[0]!;
}

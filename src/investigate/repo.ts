import path from 'node:path';
import { z } from 'zod';
import { repoName, type WatchedRepo } from '../config/index.js';
import { Clones, entryAt, parseEntries, shownCommit, type CloneAt, type TreeEntry } from './clone.js';
import { readGit } from './git-read.js';
import { refuse, repoPath } from './repo-input.js';
import { tool, type InvestigationTool } from './tool.js';

/** What one answer may hold: about a screen of a file, a folder's worth of names, a page of matches. */
export const MAX_READ_BYTES = 16 * 1024;
export const MAX_LIST_ENTRIES = 500;
export const MAX_GREP_LINES = 100;
const MAX_GREP_LINE_CHARS = 300;
const MAX_GREP_BYTES = 256 * 1024;
/** Where git itself looks for a NUL to call a file binary. */
const BINARY_SNIFF_BYTES = 8000;

const repo = repoName.describe('"owner/name" of a watched repository');
const ref = z.string().min(1).max(200).optional().describe('a branch, tag or commit sha; default: the default branch\'s head');

export interface RepoToolsOptions {
  /**
   * A file's whole committed text that the decision's prompt already holds word for word
   * (a repository's CLAUDE.md): a short note to answer instead of the text, or undefined.
   * Models re-read the instructions they were given; a second copy would be uncached input
   * on every such call (the tokens bench: about 750 tokens a read).
   */
  alreadyInPrompt?: (repo: string, path: string, text: string) => Promise<string | undefined>;
}

/**
 * `repo_read`, `repo_list`, `repo_grep` (issue 14): the committed files of the watched
 * clones, read from git objects only (clone.ts, git-read.ts). The owner's working tree,
 * index and uncommitted changes are neither read nor touched; a path is refused when it
 * climbs out, is absolute or names `.git` (repo-input.ts); a symlink is never followed.
 */
export function repoTools(repos: readonly WatchedRepo[], options: RepoToolsOptions = {}): InvestigationTool[] {
  const clones = new Clones(repos);
  return [
    tool({
      name: 'repo_read',
      description:
        'A committed file of a watched repository, at the default branch\'s head or at `ref` (the owner\'s uncommitted changes are ' +
        `not seen). Long files are cut at ${MAX_READ_BYTES / 1024} KB; binary files are only named. Use it to see the code an issue or a failing check names.`,
      input: z.object({ repo, path: z.string().min(1).max(1000).describe('a path inside the repository, like "src/parser.js"'), ref }).strict(),
      run: async (input, { signal }) => readFile(await clones.at(input.repo, input.ref, signal), input.path, signal, options.alreadyInPrompt),
    }),
    tool({
      name: 'repo_list',
      description:
        `The files under a folder of a watched repository (the whole tree below it when it holds at most ${MAX_LIST_ENTRIES}, else its ` +
        'own entries), at the default branch\'s head or at `ref`. Use it to find where something lives before reading it.',
      input: z.object({ repo, path: z.string().max(1000).optional().describe('a folder inside the repository; default: its root'), ref }).strict(),
      run: async (input, { signal }) => listFolder(await clones.at(input.repo, input.ref, signal), input.path, signal),
    }),
    tool({
      name: 'repo_grep',
      description:
        `Lines of a watched repository's committed files that match a pattern (a basic regular expression, or a fixed string with ` +
        `fixed: true), optionally under a path; binary files skipped, at most ${MAX_GREP_LINES} lines. Use it to find where a name or an error message appears.`,
      input: z
        .object({
          repo,
          pattern: z.string().min(1).max(500).describe('what to look for'),
          fixed: z.boolean().optional().describe('true: the pattern is a plain string, not a regular expression'),
          path: z.string().max(1000).optional().describe('a file or folder to search in; default: everywhere'),
          ref,
        })
        .strict(),
      run: async (input, { signal }) => grep(await clones.at(input.repo, input.ref, signal), input, signal),
    }),
  ];
}

function where(clone: CloneAt, rel: string): string {
  return `${clone.name}:${rel || '/'} at ${shownCommit(clone)}`;
}

async function readFile(clone: CloneAt, input: string, signal: AbortSignal, alreadyInPrompt?: RepoToolsOptions['alreadyInPrompt']): Promise<string> {
  const rel = repoPath(input);
  if (!rel) refuse('repo_read needs a file path; repo_list shows the folders');
  const entry = await entryAt(clone, rel, signal);
  if (!entry) refuse(`${rel} does not exist at ${shownCommit(clone)} in ${clone.name} (a path through a symbolic link is not followed)`);
  if (entry.type === 'tree') refuse(`${rel} is a folder; repo_list shows what it holds`);
  if (entry.type === 'commit') refuse(`${rel} is a submodule (commit ${entry.oid.slice(0, 12)}); its files are not in ${clone.name}`);
  if (entry.mode === '120000') return symlink(clone, entry, signal);

  const size = entry.size ?? 0;
  const out = await readGit(clone.gitDir, 'cat-file', ['blob', entry.oid], { signal, maxBytes: MAX_READ_BYTES });
  if (out.code !== 0 && !out.capped) refuse(`${clone.name}: git cat-file failed: ${out.stderr || `exit ${out.code}`}`);
  const head = `${where(clone, rel)}, ${size} bytes`;
  if (out.stdout.subarray(0, BINARY_SNIFF_BYTES).includes(0)) return `${head}: a binary file, not shown`;
  if (size <= MAX_READ_BYTES) {
    const text = out.stdout.toString('utf8');
    const note = await alreadyInPrompt?.(clone.name, rel, text);
    return note ? `${head}: ${note}` : `${head}:\n${text}`;
  }
  const cut = out.stdout.subarray(0, MAX_READ_BYTES);
  const lastLine = cut.lastIndexOf(0x0a);
  const text = cut.subarray(0, lastLine > MAX_READ_BYTES - 2048 ? lastLine + 1 : MAX_READ_BYTES).toString('utf8');
  return `${head}:\n${text}${text.endsWith('\n') ? '' : '\n'}… truncated, ${size} bytes in all`;
}

/**
 * A committed symlink is answered with where it points when that is inside the
 * repository (the model may read that path); one leading out — an absolute target, or
 * `..` past the root — is refused without echoing it. Nothing is ever followed.
 */
async function symlink(clone: CloneAt, entry: TreeEntry, signal: AbortSignal): Promise<string> {
  const out = await readGit(clone.gitDir, 'cat-file', ['blob', entry.oid], { signal, maxBytes: 4096 });
  const target = out.stdout.toString('utf8');
  const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(entry.path), target));
  const outside = out.capped || target.startsWith('/') || resolved === '..' || resolved.startsWith('../') || /[\0\r\n]/.test(target);
  if (outside || resolved.split('/').some((s) => s.toLowerCase() === '.git')) {
    refuse(`${entry.path} is a symbolic link leading outside the repository; vigil does not follow it`);
  }
  return `${where(clone, entry.path)}: a symbolic link to ${resolved} (inside the repository; not followed — read that path)`;
}

function sizeOf(entry: TreeEntry): string {
  if (entry.type === 'tree') return 'folder';
  if (entry.type === 'commit') return 'submodule';
  if (entry.mode === '120000') return 'symlink';
  return `${entry.size ?? 0} B`;
}

/** A name as git stored it, unless it holds control characters: then quoted, so it cannot break a line. */
function shownName(name: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(name) ? JSON.stringify(name) : name;
}

async function listFolder(clone: CloneAt, input: string | undefined, signal: AbortSignal): Promise<string> {
  const rel = repoPath(input);
  let tree = clone.sha;
  if (rel) {
    const entry = await entryAt(clone, rel, signal);
    if (!entry) refuse(`${rel} does not exist at ${shownCommit(clone)} in ${clone.name}`);
    if (entry.type !== 'tree') refuse(`${rel} is not a folder; repo_read shows a file`);
    tree = entry.oid;
  }
  const options = { signal, maxBytes: 4 * 1024 * 1024, maxRecords: MAX_LIST_ENTRIES, separator: 0 };
  const all = await readGit(clone.gitDir, 'ls-tree', ['-r', '-l', '-z', tree], options);
  const recursive = !all.capped && parseEntries(all.stdout).length <= MAX_LIST_ENTRIES;
  const listed = recursive ? all : await readGit(clone.gitDir, 'ls-tree', ['-l', '-z', tree], options);
  if (listed.code !== 0 && !listed.capped) refuse(`${clone.name}: git ls-tree failed: ${listed.stderr || `exit ${listed.code}`}`);
  const entries = parseEntries(listed.stdout);
  const shown = entries.slice(0, MAX_LIST_ENTRIES);
  const prefix = rel ? `${rel}/` : '';
  const lines = shown.map((e) => `${sizeOf(e).padStart(10)}  ${shownName(prefix + e.path)}${e.type === 'tree' ? '/' : ''}`);
  const head = recursive
    ? `${where(clone, rel)}: ${entries.length} file(s), the whole tree below`
    : `${where(clone, rel)}: more than ${MAX_LIST_ENTRIES} files below, so only this folder's own entries`;
  const more = listed.capped || entries.length > MAX_LIST_ENTRIES ? [`… more entries not shown; list a sub-folder`] : [];
  return [head, ...lines, ...more].join('\n');
}

async function grep(clone: CloneAt, input: { pattern: string; fixed?: boolean; path?: string }, signal: AbortSignal): Promise<string> {
  if (/[\0\r\n]/.test(input.pattern)) refuse('the pattern must be one line');
  const rel = repoPath(input.path);
  // The pattern only ever follows -e, so it is never read as an option; -I skips binary files.
  const args = ['-I', '-n', '-z', '--no-color', input.fixed ? '-F' : '-G', '-e', input.pattern, clone.sha, ...(rel ? ['--', rel] : [])];
  const out = await readGit(clone.gitDir, 'grep', args, { signal, maxBytes: MAX_GREP_BYTES, maxRecords: MAX_GREP_LINES });
  if (out.code === 1 && out.stdout.length === 0) return `${where(clone, rel)}: no matches for ${JSON.stringify(input.pattern)}`;
  if (out.code !== 0 && !out.capped) refuse(`${clone.name}: git grep failed: ${out.stderr || `exit ${out.code}`}`);
  const matches: string[] = [];
  for (const line of out.stdout.toString('utf8').split('\n')) {
    const [file, number, ...text] = line.split('\0');
    if (!file || number === undefined) continue;
    const name = file.startsWith(`${clone.sha}:`) ? file.slice(clone.sha.length + 1) : file;
    const body = text.join(' ');
    matches.push(`${shownName(name)}:${number}: ${body.length > MAX_GREP_LINE_CHARS ? `${body.slice(0, MAX_GREP_LINE_CHARS - 1)}…` : body}`);
    if (matches.length === MAX_GREP_LINES) break;
  }
  const more = out.capped ? [`… more matches not shown (at most ${MAX_GREP_LINES}); narrow the pattern or the path`] : [];
  return [`${where(clone, rel)}: lines matching ${JSON.stringify(input.pattern)}`, ...matches, ...more].join('\n');
}

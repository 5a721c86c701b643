import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { InvestigationTool } from '../../src/investigate/index.js';

export const REPO = 'octo/app';
export const PARSER_COMMITTED = 'export function parse(text) {\n  return JSON.parse(text);\n}\n';

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
}

export interface Clone {
  root: string;
  clone: string;
  outside: string;
}

/**
 * A bare remote and the owner's clone: committed and pushed files (a parser, a file over
 * 16 KB, a binary, 600 small files, symlinks leading out and one leading in), origin/HEAD
 * set; then the owner's work in progress — a staged and an unstaged change to the parser,
 * an untracked file, and a local commit not pushed that changes README.md.
 */
export function makeClone(): Clone {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-investigate-'));
  const remote = path.join(root, 'remote.git');
  const clone = path.join(root, 'clone');
  const outside = path.join(root, 'outside');
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'OUTSIDE-SECRET\n');
  git(root, 'init', '--quiet', '--bare', '--initial-branch=main', remote);
  git(root, 'init', '--quiet', '--initial-branch=main', clone);
  git(clone, 'config', 'user.name', 'Owner');
  git(clone, 'config', 'user.email', 'owner@example.com');
  const write = (rel: string, content: string | Buffer) => {
    fs.mkdirSync(path.dirname(path.join(clone, rel)), { recursive: true });
    fs.writeFileSync(path.join(clone, rel), content);
  };
  write('src/parser.js', PARSER_COMMITTED);
  write('README.md', '# app\npublished readme\n');
  write('big.txt', Array.from({ length: 2000 }, (_, i) => `line ${i} of a long file`).join('\n') + '\n');
  write('logo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d, 1, 2, 3]));
  write('matches.txt', Array.from({ length: 150 }, (_, i) => `needle ${i}`).join('\n') + '\n');
  for (let i = 0; i < 600; i++) write(`many/file-${String(i).padStart(3, '0')}.txt`, `${i}\n`);
  fs.symlinkSync('/etc/passwd', path.join(clone, 'passwd-link'));
  fs.symlinkSync('../outside/secret.txt', path.join(clone, 'up-link'));
  fs.symlinkSync(outside, path.join(clone, 'escape'));
  fs.symlinkSync('parser.js', path.join(clone, 'src/alias.js'));
  git(clone, 'add', '--all');
  git(clone, 'commit', '--quiet', '-m', 'initial');
  git(clone, 'remote', 'add', 'origin', remote);
  git(clone, 'push', '--quiet', '-u', 'origin', 'main');
  git(clone, 'remote', 'set-head', 'origin', 'main');
  git(clone, 'checkout', '--quiet', '-b', 'feature');
  write('src/parser.js', 'export function parse() { return "feature"; }\n');
  git(clone, 'commit', '--quiet', '-am', 'feature');
  git(clone, 'checkout', '--quiet', 'main');
  // The owner's local commit, not pushed: origin/HEAD's target is the default branch, not this.
  write('README.md', '# app\nlocal unpushed readme\n');
  git(clone, 'commit', '--quiet', '-am', 'local');
  // The owner's work in progress.
  write('src/parser.js', 'STAGED CHANGE\n');
  git(clone, 'add', 'src/parser.js');
  write('src/parser.js', 'UNSTAGED CHANGE\n');
  write('scratch.txt', 'untracked\n');
  return { root, clone, outside };
}

/** Everything about the owner's clone the tools must leave as it was: status, the index's bytes and mtime, HEAD. */
export function ownerState(clone: string): string {
  const index = path.join(clone, '.git', 'index');
  // The index first, and a status that may not refresh it (--no-optional-locks): the check must not change what it checks.
  return [
    fs.readFileSync(index).toString('base64'),
    String(fs.statSync(index).mtimeMs),
    git(clone, '--no-optional-locks', 'status', '--porcelain=v1', '--untracked-files=all', '--branch'),
    git(clone, 'rev-parse', 'HEAD'),
    fs.readFileSync(path.join(clone, 'src/parser.js'), 'utf8'),
  ].join('\n--\n');
}

export function caller(tools: InvestigationTool[]) {
  const byName = new Map(tools.map((t) => [t.name, t]));
  const signal = new AbortController().signal;
  return (name: string, args: unknown): Promise<string> => {
    const t = byName.get(name);
    if (!t) throw new Error(`no tool ${name}`);
    return t.run(t.input.parse(args), { signal });
  };
}

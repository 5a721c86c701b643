import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoTools } from '../../src/investigate/index.js';
import { MAX_GREP_LINES, MAX_LIST_ENTRIES, MAX_READ_BYTES } from '../../src/investigate/repo.js';
import { PARSER_COMMITTED, REPO, caller, git, makeClone, ownerState, type Clone } from './repo-fixture.js';

/** repo_read, repo_list, repo_grep against a real clone with the owner's work in progress (issue 14). */
describe('repository investigation tools', () => {
  let fixture: Clone;
  let call: ReturnType<typeof caller>;

  beforeAll(() => {
    fixture = makeClone();
    call = caller(repoTools([{ name: REPO, path: fixture.clone }, { name: 'octo/other' }]));
  });
  afterAll(() => fs.rmSync(fixture.root, { recursive: true, force: true }));

  it('reads the committed file at the default branch, never the staged or unstaged change, and leaves the clone as it was', async () => {
    const before = ownerState(fixture.clone);
    expect(git(fixture.clone, 'diff', '--cached', '--name-only')).toContain('src/parser.js');

    const read = await call('repo_read', { repo: REPO, path: 'src/parser.js' });
    expect(read).toContain(PARSER_COMMITTED);
    expect(read).toContain('origin/main');
    expect(read).not.toMatch(/STAGED|UNSTAGED/);
    // The default branch is origin/HEAD's target: the owner's local, unpushed commit is not it.
    expect(await call('repo_read', { repo: 'Octo/App', path: 'README.md' })).toContain('published readme');
    expect(await call('repo_read', { repo: REPO, path: 'README.md', ref: 'main' })).toContain('local unpushed readme');
    expect(await call('repo_read', { repo: REPO, path: './src//parser.js', ref: 'feature' })).toContain('"feature"');
    const featureSha = git(fixture.clone, 'rev-parse', 'feature').trim();
    expect(await call('repo_read', { repo: REPO, path: 'src/parser.js', ref: featureSha.slice(0, 10) })).toContain('"feature"');
    expect(await call('repo_list', { repo: REPO, path: 'src' })).toMatch(/src\/parser\.js/);
    expect(await call('repo_grep', { repo: REPO, pattern: 'JSON.parse' })).toContain('src/parser.js:2:');
    expect(await call('repo_grep', { repo: REPO, pattern: 'CHANGE', fixed: true })).toMatch(/no matches/);
    expect(await call('repo_list', { repo: REPO })).not.toContain('scratch.txt');

    expect(ownerState(fixture.clone)).toBe(before);
  });

  it('without origin/HEAD the default is the local main', async () => {
    git(fixture.clone, 'remote', 'set-head', 'origin', '--delete');
    try {
      const fresh = caller(repoTools([{ name: REPO, path: fixture.clone }]));
      expect(await fresh('repo_read', { repo: REPO, path: 'README.md' })).toContain('local unpushed readme');
    } finally {
      git(fixture.clone, 'remote', 'set-head', 'origin', 'main');
    }
  });

  it.each([
    ['../../etc/passwd', /".." is not allowed/],
    ['a/../../x', /".." is not allowed/],
    ['/etc/passwd', /absolute paths are not allowed/],
    ['~/.ssh/id_rsa', /absolute paths are not allowed/],
    ['.git/config', /nothing under \.git/],
    ['src/.GIT/config', /nothing under \.git/],
    [':(glob)**/*', /pathspec magic/],
    ['passwd-link', /symbolic link leading outside the repository/],
    ['up-link', /symbolic link leading outside the repository/],
    ['escape/secret.txt', /does not exist/],
  ])('repo_read refuses %s, reading nothing outside the repository', async (path, message) => {
    const error = await call('repo_read', { repo: REPO, path }).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error!.message).toMatch(message);
    expect(error!.message).not.toMatch(/root:|OUTSIDE-SECRET/);
  });

  it.each(['--output=OUT', '-p', 'main..feature', 'main@{1}', 'HEAD~1', 'main:src/parser.js', 'a b'])('repo_read refuses the ref %s', async (ref) => {
    const out = `${fixture.root}/out`;
    await expect(call('repo_read', { repo: REPO, path: 'src/parser.js', ref: ref.replace('OUT', out) })).rejects.toThrow(/give a branch or tag name/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('names the watched repositories when asked about another, and says when a repository has no clone', async () => {
    await expect(call('repo_read', { repo: 'evil/repo', path: 'x' })).rejects.toThrow(/"evil\/repo" is not a watched repository \(watched: octo\/app, octo\/other\)/);
    await expect(call('repo_list', { repo: 'octo/other' })).rejects.toThrow(/no local clone/);
    await expect(call('repo_read', { repo: REPO, path: 'x', ref: 'nope' })).rejects.toThrow(/no commit "nope"/);
  });

  it('a symlink inside the repository is named, not followed; folders, binaries and long files are answered as such', async () => {
    expect(await call('repo_read', { repo: REPO, path: 'src/alias.js' })).toMatch(/a symbolic link to src\/parser\.js \(inside the repository; not followed/);
    await expect(call('repo_read', { repo: REPO, path: 'src' })).rejects.toThrow(/is a folder/);
    const binary = await call('repo_read', { repo: REPO, path: 'logo.png' });
    expect(binary).toMatch(/11 bytes: a binary file, not shown$/);
    const big = await call('repo_read', { repo: REPO, path: 'big.txt' });
    const size = fs.statSync(`${fixture.clone}/big.txt`).size;
    expect(size).toBeGreaterThan(MAX_READ_BYTES);
    expect(big).toContain('line 0 of a long file\n');
    expect(big).not.toContain('line 1999 of');
    expect(big.endsWith(`… truncated, ${size} bytes in all`)).toBe(true);
    expect(Buffer.byteLength(big)).toBeLessThan(MAX_READ_BYTES + 300);
  });

  it('repo_list shows a small tree whole, and a big one by its own entries, capped', async () => {
    const src = await call('repo_list', { repo: REPO, path: 'src/' });
    expect(src.split('\n')).toEqual([expect.stringContaining('octo/app:src at origin/main'), expect.stringMatching(/symlink +src\/alias\.js$/), expect.stringMatching(/\d+ B +src\/parser\.js$/)]);
    const root = await call('repo_list', { repo: REPO });
    expect(root).toMatch(/only this folder's own entries/);
    expect(root).toMatch(/folder +many\/$/m);
    expect(root).toMatch(/symlink +passwd-link$/m);
    const many = await call('repo_list', { repo: REPO, path: 'many' });
    const lines = many.split('\n');
    expect(lines.filter((l) => l.includes('many/file-'))).toHaveLength(MAX_LIST_ENTRIES);
    expect(lines.at(-1)).toMatch(/more entries not shown/);
    await expect(call('repo_list', { repo: REPO, path: 'README.md' })).rejects.toThrow(/not a folder/);
    await expect(call('repo_list', { repo: REPO, path: '../outside' })).rejects.toThrow(/".." is not allowed/);
  });

  it('repo_grep finds lines with their numbers, under a path, caps them, skips binaries, and never takes the pattern as an option', async () => {
    const hits = await call('repo_grep', { repo: REPO, pattern: 'needle 1[0-9]$', path: 'matches.txt' });
    expect(hits.split('\n').slice(1)).toEqual(Array.from({ length: 10 }, (_, i) => `matches.txt:${11 + i}: needle 1${i}`));
    const capped = await call('repo_grep', { repo: REPO, pattern: 'needle' });
    const lines = capped.split('\n');
    expect(lines.filter((l) => l.startsWith('matches.txt:'))).toHaveLength(MAX_GREP_LINES);
    expect(lines.at(-1)).toMatch(/more matches not shown/);
    expect(await call('repo_grep', { repo: REPO, pattern: 'PNG' })).toMatch(/no matches/);
    // An option-like pattern is a pattern: it is looked for, not obeyed.
    expect(await call('repo_grep', { repo: REPO, pattern: `--open-files-in-pager=touch ${fixture.root}/pwned` })).toMatch(/no matches/);
    expect(fs.existsSync(`${fixture.root}/pwned`)).toBe(false);
    expect(await call('repo_grep', { repo: REPO, pattern: '-n', fixed: true, path: 'src' })).toMatch(/no matches/);
    expect(await call('repo_grep', { repo: REPO, pattern: 'parse', path: 'src/parser.js', ref: 'feature' })).toContain('src/parser.js:1: export function parse() { return "feature"; }');
    await expect(call('repo_grep', { repo: REPO, pattern: 'x', path: '.git' })).rejects.toThrow(/nothing under \.git/);
    await expect(call('repo_grep', { repo: REPO, pattern: 'root', path: '/etc' })).rejects.toThrow(/absolute/);
    await expect(call('repo_grep', { repo: REPO, pattern: 'OUTSIDE', path: 'escape' })).resolves.toMatch(/no matches/);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { confine, isGitName, isInside, Refusal, relativeTo } from '../../src/agent/confine.js';

/**
 * The agent's file tools stay inside its worktree and out of `.git` (issue 12), at the
 * edges: each reason a path is refused, a worktree reached through a symlink, links
 * into `.git`, and the names a disk takes for `.git`.
 */

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-confine-edges-'));
const tree = path.join(root, 'tree');
fs.mkdirSync(path.join(tree, 'src'), { recursive: true });
fs.mkdirSync(path.join(tree, '.git'));
fs.writeFileSync(path.join(tree, 'src', 'a.ts'), 'a');
fs.symlinkSync('.git', path.join(tree, 'meta'));
fs.symlinkSync(path.join(tree, 'src'), path.join(tree, 'abs-inner'));
fs.symlinkSync('src/missing-target', path.join(tree, 'dangling-inside'));
fs.symlinkSync(root, path.join(tree, 'outward'));
// The worktree as the agent is told it: through a link to it.
const linked = path.join(root, 'linked');
fs.symlinkSync(tree, linked);
const real = fs.realpathSync(tree);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function refusal(requested: string, from = tree): string {
  try {
    confine(from, requested);
  } catch (err) {
    expect(err).toBeInstanceOf(Refusal);
    return (err as Error).message;
  }
  throw new Error(`"${requested}" was not refused`);
}

describe('confine, at its edges', () => {
  it('says why: empty, a NUL byte, .., .git, outside, a link outside, a link into .git', () => {
    expect(refusal('')).toBe('an empty path');
    expect(refusal('src/a.ts\0.png')).toBe('a path with a NUL byte');
    expect(refusal('src/../src/a.ts')).toBe('"src/../src/a.ts": ".." is not allowed');
    expect(refusal('src\\..\\x')).toBe('"src\\..\\x": ".." is not allowed');
    expect(refusal('.git/config')).toBe('".git/config": .git is vigil\'s, not the agent\'s');
    expect(refusal('src/.GIT/hooks')).toContain('.git is vigil\'s');
    expect(refusal('/etc/passwd')).toBe('"/etc/passwd" is outside the worktree');
    expect(refusal(path.join(root, 'up'))).toContain('is outside the worktree');
    expect(refusal('meta/config')).toBe('"meta/config" leads into .git, which is vigil\'s');
    expect(refusal('meta')).toBe('"meta" leads into .git, which is vigil\'s');
    expect(refusal('outward/x')).toBe('"outward/x" leads outside the worktree (symlink)');
    // Not a string at all (a model's tool input is checked before, but the guard stands alone).
    expect(refusal(42 as unknown as string)).toBe('an empty path');
  });

  it('follows a link inside the worktree, an absolute one too, and a dangling one whose target is inside', () => {
    expect(confine(tree, 'abs-inner/a.ts')).toBe(path.join(real, 'src', 'a.ts'));
    expect(confine(tree, 'dangling-inside')).toBe(path.join(real, 'src', 'missing-target'));
    // Below a dangling link, the rest of the path keeps its order.
    expect(confine(tree, 'dangling-inside/a/b.ts')).toBe(path.join(real, 'src', 'missing-target', 'a', 'b.ts'));
    expect(confine(tree, '.')).toBe(real);
    expect(confine(tree, './src//a.ts')).toBe(path.join(real, 'src', 'a.ts'));
  });

  it('takes the worktree through a link to it: an absolute path under either spelling of the root', () => {
    expect(confine(linked, path.join(linked, 'src', 'a.ts'))).toBe(path.join(real, 'src', 'a.ts'));
    expect(confine(linked, path.join(real, 'src', 'a.ts'))).toBe(path.join(real, 'src', 'a.ts'));
    expect(confine(linked, 'src/new.ts')).toBe(path.join(real, 'src', 'new.ts'));
    expect(refusal(path.join(root, 'linked-not'), linked)).toContain('is outside the worktree');
  });

  it('gives the model a worktree-relative path, "." for the root', () => {
    expect(relativeTo(linked, path.join(real, 'src', 'a.ts'))).toBe(path.join('src', 'a.ts'));
    expect(relativeTo(tree, real)).toBe('.');
  });
});

describe('isGitName', () => {
  it('is .git in any case, with invisible characters or trailing dots and spaces (git\'s CVE-2014-9390 rules)', () => {
    for (const name of ['.git', '.GIT', '.Git', '.git.', '.git. . ', '.g\u200cit', '\u200d.git', '.git\ufeff']) expect(isGitName(name), JSON.stringify(name)).toBe(true);
    for (const name of ['git', '.gitignore', '.git-x', '..git', ' .git', '.gi', 'x.git']) expect(isGitName(name), JSON.stringify(name)).toBe(false);
  });
});

describe('isInside', () => {
  it('the root itself and what lies under it; not a sibling that shares its prefix, not its parent', () => {
    expect(isInside('/w/tree', '/w/tree')).toBe(true);
    expect(isInside('/w/tree', '/w/tree/a/b')).toBe(true);
    expect(isInside('/w/tree', '/w/tree-other/a')).toBe(false);
    expect(isInside('/w/tree', '/w')).toBe(false);
    expect(isInside('/w/tree', '/elsewhere')).toBe(false);
  });
});

import fs from 'node:fs';
import path from 'node:path';

/** A path the agent asked for that lies outside its worktree (or cannot be resolved safely). */
export class Refusal extends Error {}

/**
 * The absolute path of `requested` inside `root`, or a Refusal. `..` segments are
 * refused outright (even ones that would land back inside: the model has no reason to
 * write them); an absolute path must lie under the root; and the nearest existing
 * ancestor is resolved with realpath, so a symlink inside the worktree that points
 * outside it cannot be followed for reading or writing.
 */
export function confine(root: string, requested: string): string {
  if (typeof requested !== 'string' || requested.length === 0) throw new Refusal('an empty path');
  if (requested.includes('\0')) throw new Refusal('a path with a NUL byte');
  const segments = requested.split(/[\\/]+/);
  if (segments.includes('..')) throw new Refusal(`"${requested}": ".." is not allowed`);
  if (segments.some(isGitName)) throw new Refusal(`"${requested}": .git is vigil's, not the agent's`);
  const realRoot = fs.realpathSync(root);
  const absolute = path.isAbsolute(requested) ? path.normalize(requested) : path.join(realRoot, requested);
  if (!isInside(realRoot, absolute) && !isInside(path.resolve(root), absolute)) {
    throw new Refusal(`"${requested}" is outside the worktree`);
  }
  const resolved = resolveExisting(absolute);
  if (!isInside(realRoot, resolved)) throw new Refusal(`"${requested}" leads outside the worktree (symlink)`);
  // A link inside the worktree that leads into a .git is refused like the name itself.
  if (path.relative(realRoot, resolved).split(path.sep).some(isGitName)) throw new Refusal(`"${requested}" leads into .git, which is vigil's`);
  return resolved;
}

/** realpath of the deepest existing ancestor, with the rest of the path appended. */
function resolveExisting(absolute: string): string {
  let existing = absolute;
  const rest: string[] = [];
  while (!fs.existsSync(existing)) {
    // A dangling symlink: lstat sees it, existsSync does not; its target decides.
    try {
      const target = fs.readlinkSync(existing);
      return resolveExisting(path.resolve(path.dirname(existing), target, ...rest.reverse()));
    } catch {
      // not a link
    }
    rest.push(path.basename(existing));
    const parent = path.dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  return path.join(fs.realpathSync(existing), ...rest.reverse());
}

/**
 * `.git` in any case: git's metadata decides what vigil's own git does with the
 * worktree (issue 12). A case-insensitive disk takes `.GIT` for the same folder, HFS+
 * ignores zero-width characters and Windows trailing dots and spaces (git's own
 * CVE-2014-9390 rules).
 */
export function isGitName(segment: string): boolean {
  return segment.replace(/\p{Cf}/gu, '').replace(/[. ]+$/, '').toLowerCase() === '.git';
}

export function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** The worktree-relative form of an absolute path, for messages to the model. */
export function relativeTo(root: string, absolute: string): string {
  return path.relative(fs.realpathSync(root), absolute) || '.';
}

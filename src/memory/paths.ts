import path from 'node:path';
import { VigilError } from '../errors.js';
import type { MemoryFs } from './fs.js';

/** The virtual root of Anthropic's memory tool: `/memories/topics/x.md` is `topics/x.md` here. */
export const VIRTUAL_ROOT = '/memories';

export interface MemoryPath {
  /** Relative to the memory folder, '/'-separated; '' is the folder itself. */
  rel: string;
  abs: string;
}

function refuse(input: string, why: string): never {
  throw new VigilError('VIGIL_ERR_MEMORY_PATH', `${JSON.stringify(input)}: ${why}`);
}

/**
 * The security boundary of the memory tool: a path the model gives must name
 * something inside the memory folder. Refused: `..` anywhere, absolute paths other
 * than the tool's own `/memories` root, backslashes and NUL, hidden names (the
 * history, temp files, the dream's claims), and any path that crosses a symlink
 * leading out of the folder. The checks run against the filesystem as it is now;
 * writes then replace the final name by rename, which never follows a symlink.
 */
export function resolveMemoryPath(fsx: MemoryFs, root: string, input: unknown): MemoryPath {
  if (typeof input !== 'string' || input.trim() === '') refuse(String(input), 'a path is required');
  if (input.includes('\0')) refuse(input, 'NUL in path');
  if (input.includes('\\')) refuse(input, 'backslashes are not allowed');
  if (/^[A-Za-z]:/.test(input)) refuse(input, 'absolute paths are not allowed');
  let rest = input;
  if (rest === VIRTUAL_ROOT || rest.startsWith(`${VIRTUAL_ROOT}/`)) rest = rest.slice(VIRTUAL_ROOT.length);
  else if (rest.startsWith('/') || rest.startsWith('~')) refuse(input, `absolute paths are not allowed (use ${VIRTUAL_ROOT}/…)`);
  const segments = rest.split('/').filter((s) => s !== '' && s !== '.');
  for (const segment of segments) {
    if (segment === '..') refuse(input, '".." is not allowed');
    if (segment.startsWith('.')) refuse(input, 'hidden names are reserved');
  }
  const rel = segments.join('/');
  const abs = path.join(root, ...segments);
  checkNoEscape(fsx, root, segments, input);
  return { rel, abs };
}

/** Walk from the root down: every existing component must resolve inside the real root. */
function checkNoEscape(fsx: MemoryFs, root: string, segments: string[], input: string): void {
  const realRoot = fsx.lstat(root) ? fsx.realpath(root) : path.resolve(root);
  let current = root;
  for (const segment of segments) {
    current = path.join(current, segment);
    const stat = fsx.lstat(current);
    if (!stat) return; // nothing further exists: a new name inside checked parents
    if (!stat.isSymbolicLink()) continue;
    let target: string;
    try {
      target = fsx.realpath(current);
    } catch {
      refuse(input, 'a symlink that leads nowhere');
    }
    if (!isInside(realRoot, target)) refuse(input, 'a symlink leads outside the memory folder');
  }
}

export function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

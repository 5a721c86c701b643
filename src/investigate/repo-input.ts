import { VigilError } from '../errors.js';

/**
 * The guards on what a model may name in a watched clone. The path and the ref come
 * from a model that has read third-party text, so they are treated as an attacker's:
 * a path is a plain relative path inside the repository, a ref a plain name or a hex
 * sha. git objects could not reach outside the repository anyway; these refusals make
 * that plain to the model and keep option-like and magic strings away from git's argv.
 */
export function refuse(detail: string): never {
  throw new VigilError('VIGIL_ERR_INVESTIGATE', detail);
}

const shown = (value: string) => JSON.stringify(value.length > 120 ? `${value.slice(0, 119)}…` : value);

/** The '/'-separated path inside the repository; '' is its root. */
export function repoPath(input: string | undefined): string {
  if (input === undefined) return '';
  if (input.includes('\0') || /[\r\n]/.test(input)) refuse(`${shown(input)}: control characters are not allowed in a path`);
  if (input.includes('\\')) refuse(`${shown(input)}: use "/" between folders, not backslashes`);
  if (input.startsWith('/') || input.startsWith('~') || /^[A-Za-z]:/.test(input)) {
    refuse(`${shown(input)}: absolute paths are not allowed; give a path inside the repository, like "src/index.ts"`);
  }
  if (input.startsWith(':')) refuse(`${shown(input)}: pathspec magic (a leading ":") is not allowed`);
  const segments = input.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) refuse(`${shown(input)}: ".." is not allowed; give a path inside the repository`);
  if (segments.some((s) => s.toLowerCase() === '.git')) refuse(`${shown(input)}: nothing under .git can be read`);
  return segments.join('/');
}

/** A branch, tag or remote-tracking name (`main`, `origin/main`, `v1.2`) or a hex sha; nothing option-like, no revision syntax. */
const REF = /^[A-Za-z0-9_][A-Za-z0-9._/-]*$/;

export function repoRef(input: string): string {
  const ok =
    input.length <= 200 &&
    REF.test(input) &&
    !input.includes('..') &&
    !input.includes('//') &&
    !input.endsWith('/') &&
    !input.endsWith('.') &&
    !input.endsWith('.lock');
  if (!ok) refuse(`ref ${shown(input)}: give a branch or tag name (like "main" or "origin/main") or a commit sha`);
  return input;
}

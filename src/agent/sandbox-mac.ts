import os from 'node:os';
import path from 'node:path';
import type { SandboxSpec } from './sandbox.js';

/**
 * The macOS form of the wall: a Seatbelt profile for `sandbox-exec -p`. Seatbelt lets
 * the last matching rule win, so the order below is the policy: the home unreadable,
 * then the listed paths readable, then vigil's home and ~/.ssh unreadable again, then
 * the worktree readable and writable; writes nowhere else but the devices; no network
 * for commands. Written to the same spec as the bubblewrap arguments; the suite runs
 * on Linux, so this profile is exercised only where vigil runs on a Mac.
 */
export function macProfile(spec: SandboxSpec): string {
  const q = (p: string) => JSON.stringify(path.resolve(p));
  const subpaths = (paths: readonly string[]) => paths.map((p) => `(subpath ${q(p)})`).join(' ');
  const lines = ['(version 1)', '(allow default)', `(deny file-read* (subpath ${q(os.homedir())}))`];
  if (spec.readOnly.length) lines.push(`(allow file-read* ${subpaths(spec.readOnly)})`);
  if (spec.hidden.length) lines.push(`(deny file-read* ${subpaths(spec.hidden)})`);
  if (spec.gitDir) {
    lines.push(`(allow file-read* (subpath ${q(spec.gitDir)}))`);
    lines.push(`(deny file-read* (literal ${q(path.join(spec.gitDir, 'config'))}) (subpath ${q(path.join(spec.gitDir, 'hooks'))}))`);
  }
  lines.push(`(allow file-read* (subpath ${q(spec.root)}))`);
  lines.push('(deny file-write*)');
  lines.push(`(allow file-write* (subpath ${q(spec.root)}) (literal "/dev/null") (literal "/dev/zero") (regex #"^/dev/tty") (regex #"^/dev/fd/"))`);
  if (!spec.network) lines.push('(deny network*)');
  return lines.join('\n');
}

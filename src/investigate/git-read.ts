import { spawn } from 'node:child_process';
import { gitArgv, gitEnv } from '../git/index.js';

/**
 * How the investigation tools run git on a watched clone: on its git dir only — no
 * work tree is named and none is read, so the owner's files, index and uncommitted
 * changes are never touched — with the hardened options (src/git), pathspecs taken
 * literally (no `:(glob)` magic), replace refs ignored (the objects as committed),
 * and no transport at all, so a partial clone cannot be made to fetch what it lacks.
 *
 * Output is read up to a cap and git is stopped there: a 1 GB blob or a grep that
 * matches every line costs what the answer can hold, not what the repository holds.
 */
const GLOBAL = ['--literal-pathspecs', '--no-replace-objects'];
const READ_ONLY = ['-c', 'protocol.allow=never', '-c', 'core.quotePath=true', '-c', 'grep.column=false', '-c', 'grep.fullName=true'];

export const GIT_TIMEOUT_MS = 10_000;

export interface GitRead {
  stdout: Buffer;
  /** The cap (bytes or lines) was reached and git was stopped. */
  capped: boolean;
  /** git's exit code; null when vigil stopped it at the cap. */
  code: number | null;
  stderr: string;
}

export interface GitReadOptions {
  signal: AbortSignal;
  maxBytes: number;
  /** Stop after this many newline-terminated lines (or NUL-terminated records with `separator`). */
  maxRecords?: number;
  separator?: number;
  timeoutMs?: number;
}

export function readGit(gitDir: string, subcommand: string, args: readonly string[], options: GitReadOptions): Promise<GitRead> {
  const argv = [...GLOBAL, ...gitArgv({ gitDir }, subcommand, args, READ_ONLY)];
  return new Promise((resolve, reject) => {
    if (options.signal.aborted) return reject(options.signal.reason ?? new Error('aborted'));
    // cwd is the git dir: git would take the current folder as a work tree, and this one holds no files of the owner's.
    const child = spawn('git', argv, { cwd: gitDir, env: { ...gitEnv(), GIT_NO_LAZY_FETCH: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let bytes = 0;
    let records = 0;
    let capped = false;
    let stderr = '';
    let failure: Error | undefined;
    const stop = (why?: Error) => {
      if (why && !failure) failure = why;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop(new Error(`git ${subcommand} took longer than ${(options.timeoutMs ?? GIT_TIMEOUT_MS) / 1000} s`)), options.timeoutMs ?? GIT_TIMEOUT_MS);
    const onAbort = () => stop(options.signal.reason instanceof Error ? options.signal.reason : new Error('aborted'));
    options.signal.addEventListener('abort', onAbort, { once: true });

    child.stdout.on('data', (chunk: Buffer) => {
      if (capped) return;
      let take = Math.min(chunk.length, options.maxBytes + 1 - bytes);
      if (options.maxRecords !== undefined) {
        const separator = options.separator ?? 0x0a;
        for (let i = 0; i < take; i++) {
          if (chunk[i] === separator && ++records >= options.maxRecords + 1) {
            take = i + 1;
            break;
          }
        }
      }
      chunks.push(chunk.subarray(0, take));
      bytes += take;
      if (bytes > options.maxBytes || (options.maxRecords !== undefined && records > options.maxRecords)) {
        capped = true;
        stop();
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString('utf8');
    });
    child.on('error', (err) => stop(err));
    child.on('close', (code) => {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      if (failure) return reject(failure);
      resolve({ stdout: Buffer.concat(chunks), capped, code: capped ? null : code, stderr: stderr.trim() });
    });
  });
}

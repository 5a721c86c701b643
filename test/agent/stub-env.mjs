#!/usr/bin/env node
// An agent CLI that reports what it can see (issue 12): its whole environment, and
// whether the paths named in the instructions ("read=/abs/path", one or more) can be
// read. It writes the report into the worktree as report.json, which vigil commits and
// pushes — so the test reads it from the remote, unredacted, as the agent saw it.
import fs from 'node:fs';

let instructions = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => (instructions += chunk));
process.stdin.on('end', () => {
  const reads = {};
  for (const [, file] of instructions.matchAll(/read=(\S+)/g)) {
    try {
      reads[file] = `read: ${fs.readFileSync(file, 'utf8').trim()}`;
    } catch (err) {
      reads[file] = `denied: ${err.code ?? err.message}`;
    }
  }
  fs.writeFileSync('report.json', JSON.stringify({ env: process.env, reads }, null, 2));
  console.log('wrote report.json');
});

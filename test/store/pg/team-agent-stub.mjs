#!/usr/bin/env node
// An agent CLI for the team's agent tests (`agent.command`): reads the instructions on
// stdin, works for the seconds its first argument names (a long task: its node is killed,
// or the owner cancels it, meanwhile), then fixes add.mjs in its current directory — the
// task's worktree — and says so (the pull request's summary).
import fs from 'node:fs';

const seconds = Number(process.argv[2] ?? '0');
let instructions = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => (instructions += chunk));
process.stdin.on('end', () => {
  console.log(`team stub agent in ${process.cwd()}`);
  setTimeout(() => {
    const source = fs.readFileSync('add.mjs', 'utf8');
    fs.writeFileSync('add.mjs', source.replace('a - b', 'a + b'));
    console.log(`fixed add.mjs: it subtracted (${instructions.includes('fix add') ? 'as asked' : 'unasked'})`);
  }, seconds * 1000);
});

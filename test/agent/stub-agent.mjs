#!/usr/bin/env node
// A stand-in for an agent CLI (`claude -p` …): reads the instructions on stdin and
// works in its current directory. "fix add" fixes add.mjs; the word "hang" never finishes
// (a word: vigil's fence around the instructions says "change").
import fs from 'node:fs';

let instructions = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => (instructions += chunk));
process.stdin.on('end', () => {
  console.log(`stub agent in ${process.cwd()}: ${instructions.trim()}`);
  if (/\bhang\b/.test(instructions)) {
    setInterval(() => {}, 1000);
    return;
  }
  if (instructions.includes('fix add')) {
    const source = fs.readFileSync('add.mjs', 'utf8');
    fs.writeFileSync('add.mjs', source.replace('a - b', 'a + b'));
    console.log('fixed add.mjs: it subtracted');
  }
});

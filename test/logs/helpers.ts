import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';

/** A fresh temp dir per test, removed afterwards. */
export function useTempDir(): () => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-logs-'));
    dirs.push(dir);
    return dir;
  };
}

/** Epoch ms of a local wall-clock time; a June date keeps DST transitions out of the way. */
export function localMs(day: number, h = 12, m = 0, s = 0): number {
  return new Date(2026, 5, day, h, m, s).getTime();
}

/** The file's lines without their newlines (a torn last line included). */
export function fileLines(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

export function writeLines(file: string, lines: string[]): void {
  fs.writeFileSync(file, lines.map((l) => l + '\n').join(''));
}

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/home.js';

/**
 * The arrows of docs/architecture.md are enforced by `npm run lint`. A copy of src/
 * with one planted import shows that a violation fails it, and which rule says so;
 * the repository itself passes the boundary check, so the plant is the cause.
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-lint-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function copyOfRepo(name: string): string {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  fs.cpSync(path.join(ROOT, 'src'), path.join(dir, 'src'), { recursive: true });
  for (const file of ['package.json', 'tsconfig.json', '.dependency-cruiser.cjs', 'eslint.config.js']) {
    fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

function npmRunLint(cwd: string): { status: number | null; output: string } {
  const run = spawnSync('npm', ['run', 'lint'], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

function boundaryCheck(cwd: string): { status: number | null; output: string } {
  const bin = path.join(ROOT, 'node_modules/.bin/depcruise');
  const run = spawnSync(bin, ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('npm run lint enforces the rooms', () => {
  it('the boundary check runs first in the lint script', () => {
    const lint = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['lint'];
    expect(lint).toMatch(/^depcruise src --config \.dependency-cruiser\.cjs\b.*&& eslint src test$/);
  });

  it('passes on the rooms as they are', () => {
    const clean = boundaryCheck(ROOT);
    expect(clean.output).toContain('no dependency violations found');
    expect(clean.status).toBe(0);
  });

  it('fails on a "never" arrow: triggers reaching exec', () => {
    const dir = copyOfRepo('never');
    fs.writeFileSync(path.join(dir, 'src/triggers/planted.ts'), "export { ActionRunner } from '../exec/index.js';\n");
    const lint = npmRunLint(dir);
    expect(lint.status).not.toBe(0);
    expect(lint.output).toContain('never-triggers-to-model-or-exec');
    expect(lint.output).toContain('src/triggers/planted.ts');
  });

  it('fails on an import past another room\u2019s index.ts, even a dynamic one', () => {
    const dir = copyOfRepo('surface');
    fs.writeFileSync(path.join(dir, 'src/cli/planted.ts'), "export const load = () => import('../store/db.js');\n");
    const lint = npmRunLint(dir);
    expect(lint.status).not.toBe(0);
    expect(lint.output).toMatch(/room-surface: src\/cli\/planted\.ts → src\/store\/db\.ts/);
  });

  it('fails on a transitive "never": logs reaching store through another room', () => {
    const dir = copyOfRepo('transitive');
    // logs → policy (allowed) → a planted policy file that reaches the store.
    fs.writeFileSync(path.join(dir, 'src/policy/planted.ts'), "export { Store } from '../store/index.js';\n");
    fs.appendFileSync(path.join(dir, 'src/policy/index.ts'), "export * from './planted.js';\n");
    fs.writeFileSync(path.join(dir, 'src/logs/planted.ts'), "export * from '../policy/index.js';\n");
    const check = boundaryCheck(dir);
    expect(check.status).not.toBe(0);
    expect(check.output).toContain('never-logs-to-store');
  });

  it('fails on a cycle between rooms', () => {
    const dir = copyOfRepo('cycle');
    fs.writeFileSync(path.join(dir, 'src/policy/planted.ts'), "export * from '../secrets/index.js';\n");
    fs.appendFileSync(path.join(dir, 'src/policy/index.ts'), "export * from './planted.js';\n");
    fs.writeFileSync(path.join(dir, 'src/secrets/planted.ts'), "export * from '../policy/index.js';\n");
    fs.appendFileSync(path.join(dir, 'src/secrets/index.ts'), "export * from './planted.js';\n");
    const check = boundaryCheck(dir);
    expect(check.status).not.toBe(0);
    expect(check.output).toContain('no-circular-rooms');
  });
});

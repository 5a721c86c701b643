import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/home.js';

/**
 * An idle vigil is one small process: Octokit is loaded only by the worker, and only
 * by dynamic import when a GitHub action or a sweep needs it. Checked on the build
 * (what actually runs, with type-only imports erased): the static import graph.
 */

const DIST = path.join(ROOT, 'dist');
const OCTOKIT_CLIENT = /^@octokit\/(rest|auth-app|plugin-retry|plugin-throttling|core)$/;
const STATIC_IMPORT = /(?:^|[\n;])\s*(?:import|export)\s+(?:[^'";]*?\s+from\s*)?['"]([^'"]+)['"]/g;

function staticClosure(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = fs.readFileSync(file, 'utf8');
    for (const match of text.matchAll(STATIC_IMPORT)) {
      const spec = match[1]!;
      if (spec.startsWith('.')) visit(path.resolve(path.dirname(file), spec));
      else packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  };
  visit(entry);
  return { files, packages };
}

describe('Octokit stays out of the idle path', () => {
  it('the daemon does not import Octokit or src/github-api', () => {
    const { files, packages } = staticClosure(path.join(DIST, 'daemon/index.js'));
    expect(files.size).toBeGreaterThan(10);
    expect([...packages].filter((p) => OCTOKIT_CLIENT.test(p))).toEqual([]);
    expect([...files].filter((f) => f.startsWith(path.join(DIST, 'github-api') + path.sep))).toEqual([]);
  });

  it('the worker imports src/github-api only dynamically', () => {
    const entry = path.join(DIST, 'exec/worker-main.js');
    const { files, packages } = staticClosure(entry);
    expect([...packages].filter((p) => OCTOKIT_CLIENT.test(p))).toEqual([]);
    expect([...files].filter((f) => f.startsWith(path.join(DIST, 'github-api') + path.sep))).toEqual([]);
    expect(fs.readFileSync(entry, 'utf8')).toMatch(/import\(['"]\.\.\/github-api\/index\.js['"]\)/);
    // src/github-api itself does load Octokit: the check above is not vacuous.
    expect([...staticClosure(path.join(DIST, 'github-api/index.js')).packages]).toContain('@octokit/rest');
  });

  it('a team node\'s worker (issue 19) imports src/github-api and pg only dynamically', () => {
    const entry = path.join(DIST, 'exec/team-worker-main.js');
    const { files, packages } = staticClosure(entry);
    expect([...packages].filter((p) => OCTOKIT_CLIENT.test(p) || p === 'pg')).toEqual([]);
    expect([...files].filter((f) => f.startsWith(path.join(DIST, 'github-api') + path.sep))).toEqual([]);
    expect(fs.readFileSync(entry, 'utf8')).toMatch(/import\(['"]\.\.\/github-api\/index\.js['"]\)/);
  });
});

/**
 * Issue 18: a CLI command's time is mostly its start. `vigil status` asking the daemon,
 * and `vigil memory search`, load neither the daemon room nor the operations behind it
 * (dream, model, notify…): the in-process paths import them when they run.
 */
describe('the CLI loads what the command needs', () => {
  const room = (files: Set<string>, name: string) => [...files].filter((f) => f.startsWith(path.join(DIST, name) + path.sep));

  it('`vigil status` loads neither the daemon room, nor the store, nor fetch', () => {
    const { files, packages } = staticClosure(path.join(DIST, 'cli/commands/status.js'));
    expect(room(files, 'config').length).toBeGreaterThan(0); // the walk is not vacuous
    expect(room(files, 'daemon')).toEqual([]);
    expect(room(files, 'store')).toEqual([]);
    expect(packages.has('better-sqlite3')).toBe(false);
    expect([...files].some((f) => /\bfetch\(/.test(fs.readFileSync(f, 'utf8')))).toBe(false);
  });

  it('`vigil memory search` loads the store and the memory room, not the operations', () => {
    const { files } = staticClosure(path.join(DIST, 'cli/commands/memory.js'));
    expect(room(files, 'memory').length).toBeGreaterThan(0);
    expect(room(files, 'operations')).toEqual([]);
    expect(room(files, 'dream')).toEqual([]);
    expect(room(files, 'model')).toEqual([]);
  });
});

/**
 * Issue 19: `pg` is loaded only where a team's database is used, by dynamic import; the
 * commands of a SQLite home that also serve a team (log, memory search) and `vigil
 * migrate` do not load it until they talk to PostgreSQL.
 */
describe('PostgreSQL stays out of the SQLite path', () => {
  for (const entry of ['cli/commands/memory-search.js', 'cli/commands/log.js', 'cli/commands/migrate.js', 'store/index.js', 'store/migrate-home.js', 'memory/team-search.js', 'daemon/index.js', 'exec/index.js']) {
    it(`${entry} does not import pg statically`, () => {
      const { files, packages } = staticClosure(path.join(DIST, entry));
      expect(files.size).toBeGreaterThan(1);
      expect(packages.has('pg')).toBe(false);
    });
  }
});

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { homePaths } from '../../src/home/index.js';
import { runDoctor } from '../../src/service/index.js';
import { MIN_NODE_MAJOR, unsupportedNode } from '../../src/runtime.js';
import { sqliteOnly } from '../helpers/backend.js';
import { BIN, cliEnv, makeHome, removeHomes } from '../helpers/home.js';
import { fakeHost, removeTempDirs } from '../service/helpers.js';

afterEach(() => {
  removeHomes();
  removeTempDirs();
});

/** The machine's own Node.js 20, where there is one (these CI machines ship it): the real thing to refuse. */
const NODE_20 = ['/usr/bin/node', '/usr/local/bin/node', '/bin/node'].find((file) => {
  if (!fs.existsSync(file)) return false;
  const res = spawnSync(file, ['-p', 'process.versions.node'], { encoding: 'utf8' });
  return res.status === 0 && Number.parseInt(res.stdout, 10) < MIN_NODE_MAJOR;
});

describe('the Node.js floor (issue 24)', () => {
  it('this suite runs on a supported line', () => {
    expect(unsupportedNode(process.versions.node)).toBeUndefined();
    expect(Number.parseInt(process.versions.node, 10)).toBeGreaterThanOrEqual(22);
  });

  it('22 and 24 are supported; 20 and 18 are not, with the reason', () => {
    expect(unsupportedNode('22.12.0')).toBeUndefined();
    expect(unsupportedNode('v24.21.0')).toBeUndefined();
    expect(unsupportedNode('20.20.2')).toBe('Node.js v20.20.2 is too old: vigil needs 22 or newer');
    expect(unsupportedNode('18.0.0')).toMatch(/too old/);
  });

  it.skipIf(sqliteOnly('about SQLite itself: better-sqlite3 cannot be opened by Node 20, so the database goes unchecked; a team\'s database is read through pg, which Node 20 runs'))('doctor fails the node check on 20 with the fix, and leaves the database unopened', async () => {
    const home = makeHome();
    const results = await runDoctor({ paths: homePaths(home), env: {}, host: fakeHost({ nodeVersion: '20.20.2' }), now: Date.now() });
    const node = results.find((r) => r.name === 'node')!;
    expect(node.status).toBe('fail');
    expect(node.detail).toContain('v20.20.2');
    expect(node.fix).toMatch(/install Node\.js 22 or 24/);
    expect(results.find((r) => r.name === 'database')?.detail).toMatch(/not checked: this Node\.js cannot open it/);
    expect(results.find((r) => r.name === 'webhooks')?.detail).toMatch(/not checked/);

    const fine = await runDoctor({ paths: homePaths(home), env: {}, host: fakeHost(), now: Date.now() });
    expect(fine.find((r) => r.name === 'node')?.status).toBe('ok');
    expect(fine.find((r) => r.name === 'database')?.detail).not.toMatch(/not checked/);
  });

  it.skipIf(!NODE_20 || sqliteOnly('about SQLite itself: better-sqlite3 cannot be opened by Node 20, so the database goes unchecked; a team\'s database is read through pg, which Node 20 runs'))('on the machine’s Node 20, start refuses with exit 78 and doctor says what to install, without a crash', () => {
    const home = makeHome();
    const env = cliEnv(home);
    const start = spawnSync(NODE_20!, [BIN, 'start'], { env, encoding: 'utf8', timeout: 20_000 });
    expect(start.signal).toBeNull();
    expect(start.status, start.stderr).toBe(78);
    expect(start.stderr).toMatch(/vigil: this Node\.js cannot run vigil: Node\.js v20\.\d+\.\d+ is too old.*install Node\.js 22 or 24.*\[VIGIL_ERR_RUNTIME\]/);
    expect(fs.existsSync(`${home}/daemon.json`)).toBe(false);

    const doctor = spawnSync(NODE_20!, [BIN, 'doctor'], { env, encoding: 'utf8', timeout: 30_000 });
    expect(doctor.signal).toBeNull();
    expect(doctor.status).toBe(1);
    expect(doctor.stdout).toMatch(/^fail {2}node +v20\.\d+\.\d+ at .*: vigil needs 22 or newer → fix: install Node\.js 22 or 24/m);
    expect(doctor.stdout).toMatch(/^warn {2}database +not checked/m);
  });
});

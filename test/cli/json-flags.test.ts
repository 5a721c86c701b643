import { afterEach, expect, it } from 'vitest';
import { renderEntry } from '../../src/logs/index.js';
import { makeHome, removeHomes, runCli } from '../helpers/home.js';

// `--json` on every command that prints (issue 16): doctor, memory and dream had none.

afterEach(() => removeHomes());

const json = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>;

it('vigil doctor --json: one object per check, the counts, and the same exit code as the lines', () => {
  const home = makeHome();
  const res = runCli(home, ['doctor', '--json']);
  const report = json(res.stdout) as { checks: { name: string; status: string; detail: string }[]; ok: number; warn: number; fail: number };
  expect(report.checks.map((c) => c.name)).toEqual(expect.arrayContaining(['node', 'home', 'config']));
  expect(report.checks.find((c) => c.name === 'config')?.status).toBe('ok');
  expect(report.ok + report.warn + report.fail).toBe(report.checks.length);
  expect(res.status).toBe(report.fail > 0 ? 1 : 0);
  const plain = runCli(home, ['doctor']);
  expect(plain.status).toBe(res.status);
});

it('vigil memory --json, memory history --json and dream --json', () => {
  const home = makeHome();
  expect(json(runCli(home, ['memory', '--json']).stdout)).toMatchObject({ file: 'MEMORY.md', notesWaiting: 0 });
  expect(JSON.parse(runCli(home, ['memory', 'history', '--json']).stdout)).toEqual([]);
  const dream = runCli(home, ['dream', '--json']);
  expect(dream.status, dream.stderr).toBe(0);
  expect(json(dream.stdout)).toMatchObject({ lastDreamAt: null, dreaming: null });
});

it('vigil log writes times as everywhere: the clock today, the date in front on another day', () => {
  const now = new Date(2026, 10, 30, 12, 0, 0).getTime();
  const entry = (ts: number) => ({ ts: new Date(ts).toISOString(), seq: 1, type: 'tick.decided', prev: '', hash: '' }) as unknown as Parameters<typeof renderEntry>[0];
  expect(renderEntry(entry(new Date(2026, 10, 30, 9, 1, 2).getTime()), now)).toBe('09:01:02  tick.decided');
  expect(renderEntry(entry(new Date(2026, 10, 28, 9, 1, 2).getTime()), now)).toBe('2026-11-28 09:01:02  tick.decided');
});

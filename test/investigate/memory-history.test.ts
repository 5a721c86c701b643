import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { historyTool, memoryTools } from '../../src/investigate/index.js';
import { DailyLog } from '../../src/logs/index.js';
import { MemoryFiles, SearchIndex } from '../../src/memory/index.js';
import { Store } from '../../src/store/index.js';
import { caller } from './repo-fixture.js';

const dirs: string[] = [];
const stores: Store[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A home with a memory folder (MEMORY.md, a topic), a secrets.json beside it, a store and a daily log. */
function home() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-investigate-memory-'));
  dirs.push(dir);
  const memory = path.join(dir, 'memory');
  fs.mkdirSync(path.join(memory, 'topics'), { recursive: true });
  fs.writeFileSync(path.join(memory, 'MEMORY.md'), '# Memory\n- [CI](topics/ci.md): the flaky parser test\n');
  fs.writeFileSync(path.join(memory, 'topics', 'ci.md'), '# CI\n- parser.test.js is flaky on Node 24 (2026-01-02, log 2026-01-02#4)\n');
  fs.writeFileSync(path.join(dir, 'secrets.json'), '{"githubToken":"ghp_neverreadbythetool"}\n');
  const clock = new FakeClock(new Date(2026, 0, 3, 10, 0, 0).getTime());
  const store = Store.open(path.join(dir, 'vigil.db'));
  stores.push(store);
  const log = new DailyLog({ dir: path.join(dir, 'logs'), clock });
  const call = caller(memoryTools({ files: new MemoryFiles(memory), searchIndex: new SearchIndex(store, path.join(dir, 'logs')) }));
  return { dir, memory, log, store, clock, call };
}

describe('memory investigation tools', () => {
  it('memory_view shows a file with line numbers and a folder as a listing', async () => {
    const { call } = home();
    const topic = await call('memory_view', { path: 'topics/ci.md' });
    expect(topic).toContain('     1\t# CI');
    expect(topic).toContain('     2\t- parser.test.js is flaky on Node 24');
    expect(await call('memory_view', { path: '/memories/topics/ci.md' })).toBe(topic);
    const listing = await call('memory_view', {});
    expect(listing).toMatch(/\/memories\/MEMORY\.md/);
    expect(listing).toMatch(/\/memories\/topics\/ci\.md/);
  });

  it.each([
    ['../secrets.json', /"\.\." is not allowed/],
    ['/memories/../secrets.json', /"\.\." is not allowed/],
    ['/etc/passwd', /absolute paths are not allowed/],
    ['.history', /hidden names are reserved/],
  ])('memory_view refuses %s and reads nothing outside the memory folder', async (p, message) => {
    const { call } = home();
    const error = await call('memory_view', { path: p }).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain('ghp_');
  });

  it('memory_view refuses a symlink leading out of the memory folder', async () => {
    const { dir, memory, call } = home();
    fs.symlinkSync(path.join(dir, 'secrets.json'), path.join(memory, 'topics', 'leak.md'));
    await expect(call('memory_view', { path: 'topics/leak.md' })).rejects.toThrow(/symlink leads outside the memory folder/);
  });

  it('memory_search finds an indexed log line and an event payload, with their sources', async () => {
    const { log, store, clock, call } = home();
    await log.append({ type: 'decision.made', summary: 'The flaky tokenizer test failed again on main', act: true });
    await log.append({ type: 'tick.skipped', reason: 'nothing changed' });
    store.inbox.add({
      source: 'github',
      kind: 'github.issues.opened',
      deliveryId: 'd-1',
      payload: JSON.stringify({ issue: { title: 'Tokenizer crashes on emoji' } }),
      receivedAt: clock.now(),
    });
    const hits = (await call('memory_search', { query: 'tokenizer' })).split('\n');
    expect(hits).toHaveLength(2);
    expect(hits).toContainEqual(expect.stringMatching(/^2026-01-03 {2}log 2026-01-03#1 {2}decision\.made: .*flaky \[tokenizer\] test/));
    expect(hits).toContainEqual(expect.stringMatching(/github\.issues\.opened: .*\[Tokenizer\] crashes on emoji/));
    expect(await call('memory_search', { query: 'nothing-like-this-anywhere' })).toBe('no matches for "nothing-like-this-anywhere"');
  });
});

describe('vigil_history', () => {
  const sha = 'A1B2C3D4E5'.repeat(4);

  it('asks the lookup for the lower-case subject key and lists the lines, oldest first', async () => {
    const asked: string[] = [];
    const lines: Record<string, string[]> = {
      'octo/app#7': ['2026-01-03T10:00Z decided issue.triage: label it', '2026-01-03T10:00Z github.label 12 "bug" → done: labels bug'],
    };
    const call = caller([historyTool((subject) => (asked.push(subject), lines[subject] ?? []))]);
    expect(await call('vigil_history', { repo: 'Octo/App', number: 7 })).toBe(
      [
        'What vigil decided and did about Octo/App#7, oldest first:',
        '- 2026-01-03T10:00Z decided issue.triage: label it',
        '- 2026-01-03T10:00Z github.label 12 "bug" → done: labels bug',
      ].join('\n'),
    );
    expect(await call('vigil_history', { repo: 'octo/app', sha })).toBe('(vigil has done nothing about octo/app@a1b2c3d4e5a1 yet)');
    expect(asked).toEqual(['octo/app#7', `octo/app@${sha.toLowerCase()}`]);
  });

  it('takes exactly one of number and a full sha', () => {
    const [history] = [historyTool(() => [])];
    expect(history.input.safeParse({ repo: 'octo/app' }).success).toBe(false);
    expect(history.input.safeParse({ repo: 'octo/app', number: 1, sha }).success).toBe(false);
    expect(history.input.safeParse({ repo: 'octo/app', sha: 'abc123' }).success).toBe(false);
    expect(history.input.safeParse({ repo: '../x', number: 1 }).success).toBe(false);
  });
});

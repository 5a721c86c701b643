import Database from 'better-sqlite3';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { DailyLog } from '../../src/logs/index.js';
import { SearchIndex } from '../../src/memory/index.js';
import { Store } from '../../src/store/index.js';
import { SEARCH_CANDIDATES, toMatchQuery } from '../../src/store/search-index.js';
import { useTempDirs } from './helpers.js';

const tempDir = useTempDirs();

function setup() {
  const dir = tempDir();
  const clock = new FakeClock(new Date(2026, 0, 3, 10, 0, 0).getTime());
  const store = Store.open(path.join(dir, 'vigil.db'));
  const log = new DailyLog({ dir: path.join(dir, 'logs'), clock });
  return { dir, clock, store, log, index: new SearchIndex(store, path.join(dir, 'logs')) };
}

describe('full-text search over logs and event payloads (FTS5)', () => {
  it('a common word is ranked among its newest matches; a rare one is found however old', () => {
    const { store } = setup();
    const docs = Array.from({ length: SEARCH_CANDIDATES + 100 }, (_, i) => ({
      // The oldest entry matches best and alone carries the rare word.
      body: i === 0 ? 'deploy deploy deploy deploy rollback' : `deploy ${'filler '.repeat(1 + (i % 7))}`,
      date: '2026-01-01',
      ref: `log 2026-01-01#${i}`,
      kind: 'decision.made',
    }));
    store.transaction(() => store.searchIndex.add(docs));
    const common = store.searchIndex.search('deploy', 20);
    expect(common).toHaveLength(20);
    const index = (ref: string) => Number(ref.split('#')[1]);
    expect(Math.min(...common.map((h) => index(h.ref)))).toBeGreaterThanOrEqual(100);
    expect(common.map((h) => h.score)).toEqual([...common.map((h) => h.score)].sort((a, b) => a - b));
    expect(common[0]!.snippet).toContain('[deploy]');
    expect(store.searchIndex.search('rollback deploy', 20).map((h) => h.ref)).toEqual(['log 2026-01-01#0']);
  });

  it('the bundled SQLite has FTS5', () => {
    const db = new Database(':memory:');
    expect(db.prepare(`SELECT sqlite_compileoption_used('ENABLE_FTS5') AS on_`).get()).toEqual({ on_: 1 });
  });

  it('finds log entries and event payloads, ranked, with date, reference and snippet', async () => {
    const { clock, store, log, index } = setup();
    log.append({ type: 'decision.made', summary: 'The flaky parser test failed again on main', act: true });
    log.append({ type: 'tick.skipped', reason: 'nothing changed' });
    clock.advance(86_400_000);
    log.append({ type: 'notify.sent', title: 'Parser', body: 'parser parser parser flaky', urgency: 'normal', channels: [] });
    store.inbox.add({
      source: 'github',
      kind: 'github.issues.opened',
      deliveryId: 'd-1',
      payload: JSON.stringify({ issue: { title: 'Tokenizer crashes on emoji', url: 'https://api.github.com/x' } }),
      receivedAt: clock.now(),
    });
    expect(index.catchUp()).toEqual({ entries: 3, events: 1, complete: true });
    const hits = index.search('flaky parser');
    expect(hits.map((h) => h.ref)).toEqual(['log 2026-01-04#1', 'log 2026-01-03#1']);
    expect(hits[1]).toMatchObject({ date: '2026-01-03', kind: 'decision.made' });
    expect(hits[1]!.snippet).toContain('[flaky] [parser]');
    const event = index.search('tokenizer emoji');
    expect(event).toEqual([expect.objectContaining({ ref: 'event 1', date: '2026-01-04', kind: 'github.issues.opened' })]);
    // API URLs are not indexed; stemming finds "crash" in "crashes".
    expect(index.search('api.github.com')).toEqual([]);
    expect(index.search('crash')).toHaveLength(1);
    store.close();
  });

  it('is incremental: a second catch-up indexes only what is new, and never twice', () => {
    const { store, log, index } = setup();
    for (let i = 0; i < 50; i++) log.append({ type: 'decision.made', summary: `summary number ${i}` });
    expect(index.catchUp().entries).toBe(50);
    expect(index.catchUp()).toEqual({ entries: 0, events: 0, complete: true });
    log.append({ type: 'decision.made', summary: 'one more walrus' });
    expect(index.catchUp().entries).toBe(1);
    // A second process with its own handle sees the same watermark.
    const other = new SearchIndex(Store.open(path.join(path.dirname(store.db.name), 'vigil.db')), path.join(path.dirname(store.db.name), 'logs'));
    expect(other.catchUp()).toEqual({ entries: 0, events: 0, complete: true });
    expect(index.search('walrus')).toHaveLength(1);
    expect((store.db.prepare('SELECT count(*) AS n FROM memory_search').get() as { n: number }).n).toBe(51);
    store.close();
  });

  it('with a time budget it stops after the batch that spends it, and the next catch-up goes on from there (issue 18)', () => {
    const { store, log, index } = setup();
    // About 1.5 MB of log: three windows of the indexer's 512 KB.
    for (let i = 0; i < 6000; i++) log.append({ type: 'decision.made', summary: `entry ${i} ${'about the parser and its flaky test '.repeat(6)}` });
    store.inbox.add({ source: 'github', kind: 'github.push', deliveryId: 'd-1', payload: JSON.stringify({ ref: 'refs/heads/main' }), receivedAt: 1 });
    // A clock that moves one step per reading: the deadline passes after the first batch.
    let t = 0;
    const budget = { deadline: 1, now: () => t++ };
    const first = index.catchUp(budget);
    expect(first.complete).toBe(false);
    expect(first.entries).toBeGreaterThan(0);
    expect(first.entries).toBeLessThan(6000);
    expect(first.events).toBe(0);
    // A budget already spent indexes nothing more.
    expect(index.catchUp({ deadline: 0, now: () => 1 })).toEqual({ entries: 0, events: 0, complete: false });
    // Without a budget the rest goes in, each entry once.
    expect(index.catchUp()).toEqual({ entries: 6000 - first.entries, events: 1, complete: true });
    expect((store.db.prepare('SELECT count(*) AS n FROM memory_search').get() as { n: number }).n).toBe(6001);
    store.close();
  });

  it('with a backlog limit it leaves a longer backlog alone, and catches up a shorter one (issue 18)', () => {
    const { store, log, index } = setup();
    for (let i = 0; i < 200; i++) log.append({ type: 'decision.made', summary: `entry ${i} about the walrus parser` });
    const forever = { deadline: Infinity, now: () => 0 };
    // About 40 KB waits: more than 10 KB, so nothing is read at all.
    expect(index.catchUp({ ...forever, maxBacklogBytes: 10 * 1024 })).toEqual({ entries: 0, events: 0, complete: false });
    expect((store.db.prepare('SELECT count(*) AS n FROM memory_search').get() as { n: number }).n).toBe(0);
    // Events count too: 200 of them are far more than 100 KB of backlog.
    for (let i = 0; i < 200; i++) store.inbox.add({ source: 'github', kind: 'github.push', deliveryId: `d-${i}`, payload: '{}', receivedAt: i });
    expect(index.catchUp({ ...forever, maxBacklogBytes: 100 * 1024 }).complete).toBe(false);
    expect(index.catchUp({ ...forever, maxBacklogBytes: 1024 * 1024 })).toEqual({ entries: 200, events: 200, complete: true });
    store.close();
  });

  it('turns any text into a safe query', () => {
    expect(toMatchQuery('foo-bar "baz" OR near(')).toBe('"foo" "bar" "baz" "OR" "near"');
    expect(toMatchQuery('deploy*')).toBe('"deploy"*');
    expect(() => toMatchQuery('  -- ')).toThrow(/nothing to search for/);
  });
});

describe('what the index leaves out', () => {
  it('GraphQL node ids and avatar hashes at any depth: a snippet shows words, not ids (issue 17)', async () => {
    const { entryText } = await import('../../src/memory/search.js');
    const text = entryText({
      ts: '2026-06-10T12:00:00.000Z',
      seq: 1,
      type: 'event.received',
      issue: { title: 'Parser crashes', node_id: 'I_kwDOAbCdEf5xYz12', user: { login: 'ada', node_id: 'MDQ6VXNlcjE=', gravatar_id: '0123456789abcdef0123456789abcdef' } },
    } as never);
    expect(text).toContain('Parser crashes');
    expect(text).toContain('ada');
    expect(text).not.toMatch(/I_kwDO|MDQ6|0123456789abcdef/);
  });
});

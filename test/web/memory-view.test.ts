import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { DailyLog } from '../../src/logs/index.js';
import { Store } from '../../src/store/index.js';
import { memoryView } from '../../src/web/memory.js';
import { memoryPage } from '../../src/web/memory-page.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/**
 * Issue 18: the dashboard's search runs on the daemon's loop, so it brings the index up
 * to date for a bounded time only (a year of logs is ~30 s of indexing) — and says so
 * when the index is still behind, rather than pretending the hits are all there are.
 */
describe("the Memory page's search of the logs", () => {
  function home() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-memory-view-'));
    dirs.push(dir);
    const logsDir = path.join(dir, 'logs');
    const memoryDir = path.join(dir, 'memory');
    fs.mkdirSync(memoryDir);
    const clock = new FakeClock(Date.UTC(2026, 5, 1, 12));
    const log = new DailyLog({ dir: logsDir, clock });
    log.append({ type: 'decision.made', summary: 'the walrus parser is flaky', act: false });
    log.close();
    const store = Store.open(path.join(dir, 'vigil.db'));
    return { store, logsDir, memoryDir, now: clock.now() };
  }

  it('with no time to catch up it shows no stale certainty: a notice that the index is behind', () => {
    const deps = home();
    const view = memoryView(deps, { query: 'walrus', catchUpMs: 0 });
    expect(view.indexBehind).toBe(true);
    expect(view.logHits).toEqual([]);
    expect(memoryPage({ csrf: 'x', view })).toContain('data-field="index-behind"');
    deps.store.close();
  });

  it('with its usual budget a small backlog is indexed and found, and no notice shows', () => {
    const deps = home();
    const view = memoryView(deps, { query: 'walrus' });
    expect(view.indexBehind).toBeUndefined();
    expect(view.logHits).toEqual([expect.objectContaining({ kind: 'decision.made' })]);
    expect(memoryPage({ csrf: 'x', view })).not.toContain('data-field="index-behind"');
    deps.store.close();
  });
});

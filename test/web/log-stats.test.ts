import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { DailyLog } from '../../src/logs/index.js';
import { Store } from '../../src/store/index.js';
import { chartsData } from '../../src/web/charts.js';
import { LogStats } from '../../src/web/log-stats.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const ZERO = { inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, estimatedCostUsd: 0 };

describe('the dashboard counts, kept from the logs', () => {
  it('counts per local hour, then only what was appended since; the charts read the counts', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-stats-'));
    dirs.push(dir);
    const clock = new FakeClock(new Date(2026, 10, 30, 9, 15).getTime());
    const store = Store.open(path.join(dir, 'vigil.db'));
    const log = new DailyLog({ dir: path.join(dir, 'logs'), clock });
    const stats = new LogStats(store, path.join(dir, 'logs'));
    log.append({ type: 'event.received', eventId: 1, source: 'github', kind: 'github.issues.opened' });
    log.append({ type: 'decision.made', eventId: 1, kind: 'github.issues.opened', act: true, summary: '', model: 'rules', proposals: [] });
    log.append({ type: 'action.succeeded', actionId: 'a', action: 'notify', result: {} });
    clock.set(new Date(2026, 10, 30, 14, 5).getTime());
    log.append({ type: 'event.received', eventId: 2, source: 'github', kind: 'github.push' });
    log.append({ type: 'event.received', eventId: 3, source: 'github', kind: 'github.push' });
    log.append({ type: 'decision.made', eventId: 3, kind: 'github.push', act: false, summary: '', model: 'rules', proposals: [], coalesced: [2, 3] });
    log.append({ type: 'event.filtered', eventId: 4, kind: 'github.star.created', reason: 'not watched' });
    expect(await stats.catchUp()).toBe(7);
    const data = chartsData({ store, clock, usageOfDay: () => ZERO }, '2026-11-30');
    expect(data.events.flatMap((n, h) => (n ? [[h, n]] : []))).toEqual([
      [9, 1],
      [14, 2],
    ]);
    expect(data.actions[9]).toBe(1);
    expect(data.outcomes).toEqual({ acted: 1, quiet: 1, skipped: 1, coalesced: 1 });
    expect(data.days).toHaveLength(30);
    expect(data.days.at(-1)).toBe('2026-11-30');

    // Nothing new: nothing read. One more record: only it is counted.
    expect(await stats.catchUp()).toBe(0);
    log.append({ type: 'event.received', eventId: 5, source: 'tick', kind: 'tick' });
    expect(await stats.catchUp()).toBe(1);
    expect(chartsData({ store, clock, usageOfDay: () => ZERO }, '2026-11-30').events[14]).toBe(3);
    log.close();
    store.close();
  });
});

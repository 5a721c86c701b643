/**
 * A dream shows its phase while it runs (issue 17): each phase, as it begins, is in the
 * store for the daemon's Tasks page — the dream is another process — and the page shows
 * it for the running dream only.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { runDream } from '../../src/dream/dream.js';
import { RulesConsolidator } from '../../src/dream/rules-consolidator.js';
import { Store } from '../../src/store/index.js';
import { tasksPage } from '../../src/web/tasks-page.js';
import type { LogEntry } from '../../src/logs/index.js';
import { useTempDirs } from '../memory/helpers.js';

const tempDir = useTempDirs('vigil-dream-phase-');
const opened: Store[] = [];
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});

const AT = new Date(2026, 11, 1, 3, 0).getTime();

describe('the dream’s phase', () => {
  it('is written as each phase begins, with the dream’s id, while the dream runs', async () => {
    const dir = tempDir();
    const store = Store.open(path.join(dir, 'vigil.db'));
    opened.push(store);
    const seen: { line: string; stored: unknown }[] = [];
    const report = await runDream({
      home: dir,
      memoryDir: path.join(dir, 'memory'),
      logsDir: path.join(dir, 'logs'),
      store,
      clock: new FakeClock(AT),
      dream: { idleMinutes: 30, minHours: 24, staleDays: 60 },
      permissions: { mode: 'auto', rules: [], approvalTtlHours: 24, suggestAfter: 5 },
      repos: [],
      consolidator: new RulesConsolidator(),
      trigger: 'manual',
      dreamId: 'abcd1234',
      // Called after the phase is stored: what the page would read at that moment.
      progress: (line) => seen.push({ line, stored: store.kv.get('dream.phase') }),
    });
    expect(report.dreamId).toBe('abcd1234');
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect(seen.map((s) => s.line)).toEqual(expect.arrayContaining([expect.stringMatching(/^orient: /), expect.stringMatching(/^gather: /), 'verify']));
    for (const { line, stored } of seen) expect(stored).toEqual({ dreamId: 'abcd1234', phase: line, at: AT });
  });

  it('shows on the Tasks page for the dream that runs, not one a killed dream left behind', () => {
    const started = { ts: '2026-12-01T03:00:00.000Z', seq: 1, type: 'dream.started', dreamId: 'abcd1234', trigger: 'idle' } as unknown as LogEntry;
    const now = Date.parse('2026-12-01T03:02:00Z');
    const page = (dreamPhase: { dreamId: string; phase: string } | undefined) => tasksPage({ csrf: 'c', tasks: [], dream: started, dreamPhase, now });
    expect(page({ dreamId: 'abcd1234', phase: 'gather: 120 new log entries, 2 notes' })).toContain('<span data-field="phase">gather: 120 new log entries, 2 notes</span>');
    expect(page({ dreamId: 'old00000', phase: 'verify' })).toContain('<span data-field="phase">starting</span>');
    // Its words are the dream's, but escaped like every byte the page shows.
    expect(page({ dreamId: 'abcd1234', phase: 'consolidate: <img src=x onerror=alert(1)>' })).not.toContain('<img');
  });
});

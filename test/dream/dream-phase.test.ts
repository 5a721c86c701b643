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

  it("on a team node: the node whose chain has the record; a dream whose node stopped mid-dream is said to have stopped, not to run (a team's dream writes no phase)", () => {
    const started = { ts: '2026-12-01T03:00:00.000Z', seq: 1, type: 'dream.started', dreamId: 'abcd1234', trigger: 'idle' } as unknown as LogEntry;
    const finished = { ts: '2026-12-01T03:04:00.000Z', seq: 9, type: 'dream.finished', dreamId: 'abcd1234', added: 2, updated: 1, removed: 0, stale: 0, entriesRead: 40, durationMs: 240_000 } as unknown as LogEntry;
    const failed = { ts: '2026-12-01T03:04:00.000Z', seq: 9, type: 'dream.failed', dreamId: 'abcd1234', reason: 'the model said <b>no</b>' } as unknown as LogEntry;
    const now = Date.parse('2026-12-01T03:02:00Z');
    const page = (dream: LogEntry, teamDream: { node: string; running: boolean }) => tasksPage({ csrf: 'c', tasks: [], dream, teamDream, now, pages: ['team', 'tasks'] });
    const running = page(started, { node: 'alpha', running: true });
    expect(running).toContain('<p data-dream="running">Dreaming since 03:00 UTC (2m) on node alpha.</p>');
    expect(running).not.toContain('data-field="phase"');
    expect(page(started, { node: 'alpha', running: false })).toContain('<p class="error" data-dream="stopped">The dream begun at 03:00 UTC (2m) on node alpha stopped without a report');
    expect(page(finished, { node: 'beta', running: false })).toContain('<div><dt>Finished</dt><dd>2026-12-01 03:04 UTC on node beta</dd></div><div><dt>Facts added</dt><dd>2</dd></div>');
    expect(page(failed, { node: 'beta', running: false })).toContain('<p class="error" data-dream="failed">The last dream on node beta failed: the model said &lt;b&gt;no&lt;/b&gt;</p>');
    // The navigation is the node's.
    expect(running).toContain('<a href="/tasks" aria-current="page">Tasks</a>');
    expect(running).not.toContain('href="/activity"');
  });
});

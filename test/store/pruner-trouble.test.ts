import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { StorePruner } from '../../src/daemon/pruner.js';
import { StoreTrouble } from '../../src/daemon/store-trouble.js';
import { silentOplog } from '../../src/daemon/oplog.js';
import type { EventRecord } from '../../src/events.js';
import type { PruneReport } from '../../src/store/index.js';

/** What better-sqlite3 throws when another process holds the write lock past the busy timeout. */
function busyError(): Error {
  return Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
}

/** A retention whose passes fail with `failures[i]` (undefined: the pass removes one row). */
function retentionFailing(failures: (Error | undefined)[]) {
  let pass = 0;
  return {
    steps(): Iterator<void, PruneReport> {
      const failure = failures[pass++];
      return {
        next: () => {
          // A step's transaction throws as better-sqlite3 does: from the step, not before the pass.
          if (failure) throw failure;
          return { done: true, value: { inboxRows: 1, segments: 0, spoolBytes: 0 } };
        },
      };
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('a pruning pass on a busy database', () => {
  it('is retried after a backoff, logged store.unavailable once and store.recovered when a pass gets through', async () => {
    vi.useFakeTimers();
    const clock = new FakeClock(Date.UTC(2026, 11, 1));
    const logged: EventRecord[] = [];
    const trouble = new StoreTrouble({ oplog: silentOplog(), record: (r) => logged.push(r), clock });
    const pruner = new StorePruner({
      store: { retention: retentionFailing([busyError(), busyError(), undefined]) },
      clock,
      retainDays: () => 90,
      record: (r) => logged.push(r),
      trouble,
    });
    pruner.start();
    // The first pass, five minutes after start, and two retries: each waits its backoff.
    for (let i = 0; i < 3; i++) await vi.advanceTimersToNextTimerAsync();

    expect(logged.map((r) => r.type)).toEqual(['store.unavailable', 'store.pruned', 'store.recovered']);
    expect(logged[0]).toMatchObject({ task: 'store retention', error: expect.stringContaining('database is locked') });
    expect(logged[2]).toMatchObject({ task: 'store retention', failures: 2 });
    await pruner.stop();
  });
});

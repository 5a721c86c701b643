import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cancelRequested } from '../../src/agent/cancel.js';
import { FakeClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { acquireDreamLock, dreamLockPath } from '../../src/dream/index.js';
import { isVigilError } from '../../src/errors.js';
import type { EventRecord } from '../../src/events.js';
import { MemoryFiles } from '../../src/memory/index.js';
import {
  answerApproval,
  cancelAgentTask,
  dreamStatus,
  listApprovals,
  requestTick,
  restoreMemoryVersion,
  type OperationDeps,
} from '../../src/operations/index.js';
import { Store } from '../../src/store/index.js';
import { type NewAction } from '../../src/store/actions.js';
import { useTempDir } from '../unit/helpers.js';

// Each operation as both the daemon and the CLI run it: in-process, over injected deps.

const tempDir = useTempDir('vigil-operations-');
const opened: Store[] = [];
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});

const T0 = Date.UTC(2026, 5, 10, 12, 0, 0);
const HOUR = 3_600_000;

function action(name: string): NewAction {
  return { action: name, params: { text: 'x' }, rationale: 'because', verdict: 'ask', reason: 'default' };
}

/** A store, a fake clock, and a journal that counts its flushes and keeps what it appends. */
function setup(): OperationDeps & { home: string; flushes: () => number; written: EventRecord[] } {
  const home = tempDir();
  const store = Store.open(path.join(home, 'vigil.db'));
  opened.push(store);
  let flushes = 0;
  const written: EventRecord[] = [];
  const journal = {
    stage: (r: EventRecord) => store.outbox.add(r),
    write: (r: EventRecord) => void written.push(r),
    flush: () => {
      flushes++;
      return 0;
    },
  };
  return { home, store, clock: new FakeClock(T0), journal, flushes: () => flushes, written };
}

function staged(store: Store): Record<string, unknown>[] {
  return store.outbox.pending().map((row) => row.record as unknown as Record<string, unknown>);
}

async function vigilCode(run: () => Promise<unknown> | unknown): Promise<string> {
  try {
    await run();
  } catch (err) {
    if (isVigilError(err)) return err.code;
    throw err;
  }
  throw new Error('nothing was thrown');
}

describe('approvals', () => {
  it('lists pending approvals as the API shows them', () => {
    const deps = setup();
    const pending = deps.store.actions.insert(action('memory.note'), 'awaiting_approval', T0, T0 + HOUR);
    expect(listApprovals(deps.store)).toEqual([
      {
        id: pending.id,
        action: 'memory.note',
        params: { text: 'x' },
        summary: expect.any(String),
        rationale: 'because',
        reason: 'default',
        createdAt: new Date(T0).toISOString(),
        expiresAt: new Date(T0 + HOUR).toISOString(),
      },
    ]);
  });

  it('answers once, flushes the journal and tells the caller what it answered', async () => {
    const deps = setup();
    const { id } = deps.store.actions.insert(action('memory.note'), 'awaiting_approval', T0, T0 + HOUR);
    const answered: string[] = [];
    const approved = answerApproval({ ...deps, onAnswered: (a) => answered.push(`${a.id}:${a.state}`) }, id, 'approve', 'cli');
    expect(approved).toMatchObject({ id, state: 'approved', answeredBy: 'cli' });
    expect(answered).toEqual([`${id}:approved`]);
    expect(deps.flushes()).toBe(1);
    expect(staged(deps.store)).toEqual([expect.objectContaining({ type: 'approval.granted', actionId: id, by: 'cli' })]);
    expect(await vigilCode(() => answerApproval(deps, id, 'deny', 'dashboard'))).toBe('VIGIL_ERR_APPROVAL_CLOSED');
    expect(await vigilCode(() => answerApproval(deps, 'nope', 'deny', 'dashboard'))).toBe('VIGIL_ERR_APPROVAL_NOT_FOUND');
    expect(answered).toHaveLength(1);
  });
});

describe('requestTick', () => {
  it('enqueues a manual tick even when nothing moved, and wakes whoever decides', async () => {
    const deps = setup();
    const config = parseConfig({}, {});
    let woken = 0;
    const first = await requestTick({ ...deps, config, onEnqueued: () => woken++ });
    const second = await requestTick({ ...deps, config });
    expect(first).toMatchObject({ outcome: 'enqueued', eventId: expect.any(Number) });
    expect(second).toMatchObject({ outcome: 'enqueued' });
    expect(woken).toBe(1);
    const event = deps.store.inbox.get((first as { eventId: number }).eventId);
    expect(JSON.parse(String(event?.payload))).toMatchObject({ trigger: 'manual', changes: expect.arrayContaining(['requested by the owner']) });
    expect(staged(deps.store).filter((r) => r.type === 'event.received')).toHaveLength(2);
  });
});

describe('cancelAgentTask', () => {
  it('flags a running agent task and stages agent.cancel_requested', async () => {
    const deps = setup();
    const task = deps.store.actions.insert(action('agent.task'), 'approved', T0);
    deps.store.actions.claimNextApproved(process.pid, T0);
    await cancelAgentTask(deps, task.id);
    expect(cancelRequested(deps.store, task.id)).toBe(true);
    expect(staged(deps.store)).toEqual([expect.objectContaining({ type: 'agent.cancel_requested', actionId: task.id })]);
    expect(deps.flushes()).toBe(1);
  });

  it('refuses what is not a running agent task, and changes nothing', async () => {
    const deps = setup();
    const note = deps.store.actions.insert(action('memory.note'), 'approved', T0);
    const waiting = deps.store.actions.insert(action('agent.task'), 'awaiting_approval', T0, T0 + HOUR);
    expect(await vigilCode(() => cancelAgentTask(deps, 'nope'))).toBe('VIGIL_ERR_APPROVAL_NOT_FOUND');
    expect(await vigilCode(() => cancelAgentTask(deps, note.id))).toBe('VIGIL_ERR_USAGE');
    await expect(cancelAgentTask(deps, waiting.id)).rejects.toThrow(/awaiting_approval, not running \(deny it instead/);
    expect(staged(deps.store)).toEqual([]);
    expect(cancelRequested(deps.store, waiting.id)).toBe(false);
  });
});

describe('dreamStatus', () => {
  it('on a new home: never dreamed, nothing read, and why the next dream is not due', async () => {
    const deps = setup();
    fs.mkdirSync(path.join(deps.home, 'logs'));
    const status = await dreamStatus({ ...deps, home: deps.home, logsDir: path.join(deps.home, 'logs'), config: parseConfig({}, {}) });
    expect(status).toMatchObject({ lastDreamAt: null, lastDreamId: null, readUpTo: null, dreaming: undefined });
    expect(status.verdict).toMatchObject({ due: false, reason: expect.any(String) });
  });

  it('names the process that is dreaming, and judges nothing then', async () => {
    const deps = setup();
    const release = acquireDreamLock(dreamLockPath(deps.home), { pid: process.pid, dreamId: 'd1', startedAt: T0 }, (fn) => deps.store.transaction(fn));
    try {
      const status = await dreamStatus({ ...deps, home: deps.home, logsDir: path.join(deps.home, 'logs'), config: parseConfig({}, {}) });
      expect(status.dreaming).toMatchObject({ pid: process.pid, dreamId: 'd1' });
      expect(status.verdict).toBeUndefined();
    } finally {
      release();
    }
  });
});

describe('restoreMemoryVersion', () => {
  it('puts an earlier version back under the dream lock, and refuses while a dream holds it', async () => {
    const deps = setup();
    const files = new MemoryFiles(path.join(deps.home, 'memory'));
    await files.write('notes.md', '- first\n');
    await files.write('notes.md', '- second\n');
    const [earlier] = files.versions('notes.md');
    await restoreMemoryVersion({ ...deps, home: deps.home, files }, 'notes.md', earlier!.version);
    expect(files.read('notes.md')).toBe('- first\n');
    expect(fs.existsSync(dreamLockPath(deps.home))).toBe(false);

    const release = acquireDreamLock(dreamLockPath(deps.home), { pid: process.pid, dreamId: 'd2', startedAt: T0 }, (fn) => deps.store.transaction(fn));
    try {
      expect(await vigilCode(() => restoreMemoryVersion({ ...deps, home: deps.home, files }, 'notes.md', earlier!.version))).toBe('VIGIL_ERR_DREAM_BUSY');
    } finally {
      release();
    }
  });
});

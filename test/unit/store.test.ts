import Database from 'better-sqlite3';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/index.js';
import { type NewAction } from '../../src/store/actions.js';
import { type NewEvent } from '../../src/store/inbox.js';
import { useTempDir, vigilErrorOf } from './helpers.js';

const tempDir = useTempDir('vigil-store-');
const opened: Store[] = [];
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});

function open(file = path.join(tempDir(), 'vigil.db')): Store {
  const store = Store.open(file);
  opened.push(store);
  return store;
}

const T0 = Date.UTC(2026, 5, 10, 12, 0, 0);

function webhook(deliveryId: string | undefined, payload: object = { n: 1 }): NewEvent {
  return {
    source: 'github',
    kind: 'github.issues.opened',
    ...(deliveryId ? { deliveryId } : {}),
    payload: JSON.stringify(payload),
    receivedAt: T0,
  };
}

const comment: NewAction = {
  action: 'github.comment',
  params: { repo: 'octo/app', number: 7, body: 'hi' },
  rationale: 'asked for',
  repo: 'octo/app',
  verdict: 'ask',
  reason: 'default: effects outside the machine ask',
};

describe('Store.open', () => {
  it('opens in WAL mode with the schema at the newest version', () => {
    const store = open();
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(1);
    // The tables the migrations create are there.
    const tables = store.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['inbox', 'decisions', 'actions', 'reminders', 'kv', 'log_outbox']));
  });

  it('reopens an existing database without migrating it again and keeps its rows', () => {
    const file = path.join(tempDir(), 'vigil.db');
    const first = Store.open(file);
    const version = first.db.pragma('user_version', { simple: true });
    const { id } = first.inbox.add(webhook('d-1'));
    first.close();
    const again = open(file);
    expect(again.db.pragma('user_version', { simple: true })).toBe(version);
    expect(again.inbox.get(id)?.deliveryId).toBe('d-1');
  });

  it('refuses a database written by a newer vigil', () => {
    const file = path.join(tempDir(), 'vigil.db');
    const current = Store.open(file);
    const known = current.db.pragma('user_version', { simple: true }) as number;
    current.close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${known + 1}`);
    raw.close();
    vigilErrorOf(() => Store.open(file), 'VIGIL_ERR_MIGRATION');
  });

  it('close is idempotent', () => {
    const store = Store.open(path.join(tempDir(), 'vigil.db'));
    store.close();
    expect(() => store.close()).not.toThrow();
  });
});

describe('inbox', () => {
  it('dedupes by delivery id', () => {
    const store = open();
    const first = store.inbox.add(webhook('d-1', { n: 1 }));
    const second = store.inbox.add(webhook('d-1', { n: 2 }));
    expect(first.inserted).toBe(true);
    expect(second).toEqual({ id: first.id, inserted: false });
    expect(store.inbox.byDeliveryId('d-1')?.payload).toBe(JSON.stringify({ n: 1 }));
    expect(store.inbox.depth()).toBe(1);
    // Events without a delivery id (ticks, CLI) are never deduped against each other.
    const a = store.inbox.add(webhook(undefined));
    const b = store.inbox.add(webhook(undefined));
    expect(a.inserted && b.inserted).toBe(true);
    expect(a.id).not.toBe(b.id);
  });

  it('keeps the payload text exactly as received', () => {
    const store = open();
    const payload = '{"b":1,  "a":"ü"}';
    const { id } = store.inbox.add({ source: 'github', kind: 'github.push', deliveryId: 'x', payload, receivedAt: T0 });
    expect(store.inbox.get(id)?.payload).toBe(payload);
  });

  it('claims with a lease, and a lapsed lease makes the event claimable again', () => {
    const store = open();
    const { id } = store.inbox.add(webhook('d-1'));
    const claimed = store.inbox.claimNext(T0, 60_000);
    expect(claimed).toMatchObject({ id, state: 'claimed', attempts: 1 });
    expect(store.inbox.claimNext(T0 + 59_999, 60_000)).toBeUndefined();

    const reclaimed = store.inbox.claimNext(T0 + 60_000, 60_000);
    expect(reclaimed).toMatchObject({ id, state: 'claimed', attempts: 2 });
    expect(store.inbox.get(id)).toMatchObject({ state: 'claimed', attempts: 2 });
  });

  it('claims the oldest pending event first', () => {
    const store = open();
    const a = store.inbox.add(webhook('a'));
    const b = store.inbox.add(webhook('b'));
    expect(store.inbox.claimNext(T0, 1000)?.id).toBe(a.id);
    expect(store.inbox.claimNext(T0, 1000)?.id).toBe(b.id);
    expect(store.inbox.claimNext(T0, 1000)).toBeUndefined();
  });

  it('does not claim filtered or decided events', () => {
    const store = open();
    store.inbox.add(webhook('f'), 'filtered');
    expect(store.inbox.claimNext(T0, 1000)).toBeUndefined();
    const { id } = store.inbox.add(webhook('d'));
    store.inbox.claimNext(T0, 1000);
    expect(store.inbox.markDecided(id, T0)).toBe(true);
    expect(store.inbox.claimNext(T0 + 10_000, 1000)).toBeUndefined();
    expect(store.inbox.depth()).toBe(0);
  });

  it('marks an event decided only from claimed', () => {
    const store = open();
    const { id } = store.inbox.add(webhook('d-1'));
    expect(store.inbox.markDecided(id, T0)).toBe(false);
    expect(store.inbox.get(id)?.state).toBe('pending');
    store.inbox.claimNext(T0, 1000);
    expect(store.inbox.markDecided(id, T0 + 1)).toBe(true);
    expect(store.inbox.get(id)?.state).toBe('decided');
    expect(store.inbox.markDecided(id, T0 + 2)).toBe(false);
  });

  it('releaseClaims returns claimed events to pending', () => {
    const store = open();
    const a = store.inbox.add(webhook('a'));
    const b = store.inbox.add(webhook('b'));
    const c = store.inbox.add(webhook('c'));
    store.inbox.claimNext(T0, 3_600_000);
    store.inbox.claimNext(T0, 3_600_000);
    expect(store.inbox.releaseClaims()).toBe(2);
    expect(store.inbox.get(a.id)?.state).toBe('pending');
    expect(store.inbox.get(b.id)?.state).toBe('pending');
    expect(store.inbox.get(c.id)?.state).toBe('pending');
    // Claimable at once, not only after the hour-long lease.
    expect(store.inbox.claimNext(T0 + 1, 1000)).toMatchObject({ id: a.id, attempts: 2 });
  });
});

describe('actions', () => {
  it('inserts with the given state, verdict and expiry', () => {
    const store = open();
    const record = store.actions.insert(comment, 'awaiting_approval', T0, T0 + 3_600_000);
    expect(record).toMatchObject({
      action: 'github.comment',
      params: comment.params,
      repo: 'octo/app',
      state: 'awaiting_approval',
      verdict: 'ask',
      createdAt: T0,
      updatedAt: T0,
      expiresAt: T0 + 3_600_000,
      answeredBy: null,
      attempts: 0,
    });
    expect(record.id).toMatch(/^[a-z0-9]{8}$/);
    expect(store.actions.get(record.id)).toEqual(record);
    expect(store.actions.pendingApprovals().map((a) => a.id)).toEqual([record.id]);
  });

  it('transition is guarded by the old state: an approval is single use', () => {
    const store = open();
    const { id } = store.actions.insert(comment, 'awaiting_approval', T0, T0 + 1000);
    expect(store.actions.transition(id, ['awaiting_approval'], 'approved', T0 + 1, { answeredBy: 'cli' })).toBe(true);
    expect(store.actions.transition(id, ['awaiting_approval'], 'approved', T0 + 2, { answeredBy: 'push' })).toBe(false);
    expect(store.actions.transition(id, ['awaiting_approval'], 'denied', T0 + 2)).toBe(false);
    expect(store.actions.get(id)).toMatchObject({ state: 'approved', answeredBy: 'cli', updatedAt: T0 + 1 });
    expect(store.actions.transition('no-such-id', ['approved'], 'running', T0)).toBe(false);
  });

  it('claimNextApproved moves approved → running for one worker, oldest first', () => {
    const store = open();
    const older = store.actions.insert(comment, 'approved', T0);
    const newer = store.actions.insert(comment, 'approved', T0 + 10);
    store.actions.insert(comment, 'awaiting_approval', T0 - 10, T0 + 1000);

    const first = store.actions.claimNextApproved(4242, T0 + 20);
    expect(first).toMatchObject({ id: older.id, state: 'running', workerPid: 4242, attempts: 1, updatedAt: T0 + 20 });
    const second = store.actions.claimNextApproved(4242, T0 + 21);
    expect(second?.id).toBe(newer.id);
    expect(store.actions.claimNextApproved(4242, T0 + 22)).toBeUndefined();
    expect(store.actions.countInState('running')).toBe(2);
  });

  it('releaseRunning returns running → approved, and → failed after maxAttempts', () => {
    const store = open();
    const { id } = store.actions.insert(comment, 'approved', T0);
    for (let attempt = 1; attempt <= 2; attempt++) {
      expect(store.actions.claimNextApproved(100 + attempt, T0 + attempt)?.attempts).toBe(attempt);
      expect(store.actions.releaseRunning(T0 + attempt, 3)).toEqual({ retried: [id], failed: [] });
      expect(store.actions.get(id)).toMatchObject({ state: 'approved', workerPid: null, attempts: attempt });
    }
    expect(store.actions.claimNextApproved(103, T0 + 3)?.attempts).toBe(3);
    expect(store.actions.releaseRunning(T0 + 3, 3)).toEqual({ retried: [], failed: [id] });
    const failed = store.actions.get(id)!;
    expect(failed.state).toBe('failed');
    expect(failed.error).toContain('3');
    expect(store.actions.claimNextApproved(104, T0 + 4)).toBeUndefined();
  });

  it('releaseRunning with a worker pid releases only that worker’s actions', () => {
    const store = open();
    const a = store.actions.insert(comment, 'approved', T0);
    const b = store.actions.insert(comment, 'approved', T0 + 1);
    store.actions.claimNextApproved(1, T0 + 2);
    store.actions.claimNextApproved(2, T0 + 3);
    expect(store.actions.releaseRunning(T0 + 4, 5, 2)).toEqual({ retried: [b.id], failed: [] });
    expect(store.actions.get(a.id)?.state).toBe('running');
    expect(store.actions.get(b.id)?.state).toBe('approved');
  });

  it('dueForExpiry and nextExpiry look only at pending approvals', () => {
    const store = open();
    expect(store.actions.nextExpiry()).toBeUndefined();
    const soon = store.actions.insert(comment, 'awaiting_approval', T0, T0 + 100);
    const later = store.actions.insert(comment, 'awaiting_approval', T0, T0 + 200);
    const answered = store.actions.insert(comment, 'awaiting_approval', T0, T0 + 50);
    store.actions.transition(answered.id, ['awaiting_approval'], 'approved', T0 + 1, { answeredBy: 'cli' });

    expect(store.actions.nextExpiry()).toBe(T0 + 100);
    expect(store.actions.dueForExpiry(T0 + 99)).toEqual([]);
    expect(store.actions.dueForExpiry(T0 + 100).map((a) => a.id)).toEqual([soon.id]);
    expect(store.actions.dueForExpiry(T0 + 500).map((a) => a.id)).toEqual([soon.id, later.id]);
  });
});

describe('reminders', () => {
  it('are due once their time comes and fire once', () => {
    const store = open();
    const a = store.actions.insert({ ...comment, action: 'remind', verdict: 'allow' }, 'succeeded', T0);
    const b = store.actions.insert({ ...comment, action: 'remind', verdict: 'allow' }, 'succeeded', T0);
    store.reminders.add(a.id, T0 + 2000, 'second');
    store.reminders.add(b.id, T0 + 1000, 'first');
    store.reminders.add(b.id, T0 + 5, 'duplicate for the same action is ignored');

    expect(store.reminders.nextDue()).toBe(T0 + 1000);
    expect(store.reminders.due(T0 + 999)).toEqual([]);
    const due = store.reminders.due(T0 + 2000);
    expect(due.map((r) => r.note)).toEqual(['first', 'second']);
    expect(due[0]!.dueAt).toBe(T0 + 1000);

    store.reminders.markFired([due[0]!.id], T0 + 2000);
    expect(store.reminders.due(T0 + 3000).map((r) => r.note)).toEqual(['second']);
    expect(store.reminders.nextDue()).toBe(T0 + 2000);
    store.reminders.markFired([due[1]!.id], T0 + 3000);
    expect(store.reminders.due(T0 + 9000)).toEqual([]);
    expect(store.reminders.nextDue()).toBeUndefined();
  });
});

describe('LogOutbox', () => {
  it('hands records out in insertion order and deletes through an oid', () => {
    const store = open();
    store.outbox.add({ type: 'a', n: 1 });
    store.outbox.add({ type: 'b', n: 2 });
    store.outbox.add({ type: 'c', n: 3 });
    const pending = store.outbox.pending();
    expect(pending.map((p) => p.record)).toEqual([
      { type: 'a', n: 1 },
      { type: 'b', n: 2 },
      { type: 'c', n: 3 },
    ]);
    expect(pending[0]!.oid).toBeLessThan(pending[1]!.oid);
    expect(pending[1]!.oid).toBeLessThan(pending[2]!.oid);
    expect(store.outbox.pending(2).map((p) => p.record.type)).toEqual(['a', 'b']);

    store.outbox.deleteThrough(pending[1]!.oid);
    expect(store.outbox.pending()).toEqual([pending[2]]);
    store.outbox.add({ type: 'd' });
    const rest = store.outbox.pending();
    expect(rest.map((p) => p.record.type)).toEqual(['c', 'd']);
    expect(rest[1]!.oid).toBeGreaterThan(pending[2]!.oid);
  });

  it('a record added inside a rolled-back transaction is not kept', () => {
    const store = open();
    expect(() =>
      store.transaction(() => {
        store.outbox.add({ type: 'lost' });
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(store.outbox.pending()).toEqual([]);
  });
});

describe('two handles on one file (daemon and worker)', () => {
  it("each sees the other's commits", () => {
    const file = path.join(tempDir(), 'vigil.db');
    const daemon = open(file);
    const worker = open(file);

    const { id: eventId } = daemon.inbox.add(webhook('d-1'));
    expect(worker.inbox.get(eventId)?.deliveryId).toBe('d-1');

    const action = daemon.actions.insert({ ...comment, eventId }, 'approved', T0);
    const running = worker.actions.claimNextApproved(777, T0 + 1);
    expect(running?.id).toBe(action.id);
    expect(daemon.actions.get(action.id)).toMatchObject({ state: 'running', workerPid: 777 });
    // The daemon cannot claim what the worker holds.
    expect(daemon.actions.claimNextApproved(1, T0 + 2)).toBeUndefined();

    worker.transaction(() => {
      worker.actions.transition(action.id, ['running'], 'succeeded', T0 + 3, { result: { url: 'https://x/1' } });
      worker.outbox.add({ type: 'action.succeeded', actionId: action.id });
    });
    expect(daemon.actions.get(action.id)).toMatchObject({ state: 'succeeded', result: { url: 'https://x/1' } });
    expect(daemon.outbox.pending().map((p) => p.record.type)).toEqual(['action.succeeded']);
  });

  it('a lease taken by one handle holds for the other', () => {
    const file = path.join(tempDir(), 'vigil.db');
    const a = open(file);
    const b = open(file);
    a.inbox.add(webhook('d-1'));
    expect(a.inbox.claimNext(T0, 60_000)).toBeDefined();
    expect(b.inbox.claimNext(T0 + 1, 60_000)).toBeUndefined();
    expect(b.inbox.claimNext(T0 + 60_000, 60_000)?.attempts).toBe(2);
  });
});

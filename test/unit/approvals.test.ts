import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { answerApproval, ANSWER_REASON_MAX_CHARS, expireApprovals } from '../../src/initiative/index.js';
import { maskSecrets } from '../../src/secrets/index.js';
import { Store, type ActionRecord } from '../../src/store/index.js';
import { type NewAction } from '../../src/store/actions.js';
import { recordDecidedTick } from '../../src/tick/index.js';
import { changesSinceBaseline, worldMark } from '../../src/tick/world-mark.js';
import { useTempDir, vigilErrorOf } from './helpers.js';

const tempDir = useTempDir('vigil-approvals-');
const opened: Store[] = [];
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 5, 10, 12, 0, 0);

const comment: NewAction = {
  action: 'github.comment',
  params: { repo: 'octo/app', number: 7, body: 'Thanks!' },
  rationale: 'the reporter asked a question',
  repo: 'octo/app',
  verdict: 'ask',
  reason: 'default: effects outside the machine ask',
};

function setup(): { store: Store; clock: FakeClock; pending: (ttl?: number) => ActionRecord } {
  const store = Store.open(path.join(tempDir(), 'vigil.db'));
  opened.push(store);
  const clock = new FakeClock(T0);
  const pending = (ttl = 24 * HOUR) => store.actions.insert(comment, 'awaiting_approval', clock.now(), clock.now() + ttl);
  return { store, clock, pending };
}

function outboxTypes(store: Store): unknown[] {
  return store.outbox.pending().map((p) => p.record.type);
}

describe('answerApproval', () => {
  it('approves once: awaiting_approval → approved, answered by the channel', () => {
    const { store, clock, pending } = setup();
    const { id } = pending();
    clock.advance(HOUR);
    const approved = answerApproval(store, id, 'approve', 'cli', clock.now());
    expect(approved).toMatchObject({ id, state: 'approved', answeredBy: 'cli', updatedAt: clock.now() });
    expect(store.actions.get(id)).toMatchObject({ state: 'approved', answeredBy: 'cli' });

    const [entry] = store.outbox.pending();
    expect(entry!.record).toMatchObject({ type: 'approval.granted', actionId: id, action: 'github.comment', by: 'cli', ts: clock.now() });

    // Single use: a second answer, of either kind, is refused and changes nothing.
    const again = vigilErrorOf(() => answerApproval(store, id, 'approve', 'push', clock.now()), 'VIGIL_ERR_APPROVAL_CLOSED');
    expect(again.message).toContain(id);
    vigilErrorOf(() => answerApproval(store, id, 'deny', 'dashboard', clock.now()), 'VIGIL_ERR_APPROVAL_CLOSED');
    expect(store.actions.get(id)).toMatchObject({ state: 'approved', answeredBy: 'cli' });
    expect(outboxTypes(store)).toEqual(['approval.granted']);
  });

  it('denies: awaiting_approval → denied with approval.denied', () => {
    const { store, clock, pending } = setup();
    const { id } = pending();
    const denied = answerApproval(store, id, 'deny', 'dashboard', clock.now());
    expect(denied).toMatchObject({ state: 'denied', answeredBy: 'dashboard' });
    expect(store.outbox.pending()[0]!.record).toMatchObject({ type: 'approval.denied', actionId: id, by: 'dashboard' });
    vigilErrorOf(() => answerApproval(store, id, 'approve', 'cli', clock.now()), 'VIGIL_ERR_APPROVAL_CLOSED');
    expect(store.actions.get(id)?.state).toBe('denied');
  });

  it('an unknown id is VIGIL_ERR_APPROVAL_NOT_FOUND', () => {
    const { store, clock } = setup();
    const err = vigilErrorOf(() => answerApproval(store, 'zzzzzzzz', 'approve', 'cli', clock.now()), 'VIGIL_ERR_APPROVAL_NOT_FOUND');
    expect(err.message).toContain('zzzzzzzz');
    expect(store.outbox.pending()).toEqual([]);
  });

  it('an action that never asked cannot be approved', () => {
    const { store, clock } = setup();
    const allowed = store.actions.insert({ ...comment, verdict: 'allow' }, 'approved', clock.now());
    vigilErrorOf(() => answerApproval(store, allowed.id, 'approve', 'cli', clock.now()), 'VIGIL_ERR_APPROVAL_CLOSED');
    expect(store.actions.get(allowed.id)?.answeredBy).toBeNull();
  });

  it('answering after expiresAt is CLOSED and leaves the action expired', () => {
    const { store, clock, pending } = setup();
    const { id } = pending(2 * HOUR);
    clock.advance(2 * HOUR); // exactly at expiresAt: already too late
    const err = vigilErrorOf(() => answerApproval(store, id, 'approve', 'cli', clock.now()), 'VIGIL_ERR_APPROVAL_CLOSED');
    expect(err.message).toContain('expired');
    const action = store.actions.get(id)!;
    expect(action.state).toBe('expired');
    expect(action.answeredBy).toBeNull();
    // The expiry is committed and logged even though the answer threw.
    expect(store.outbox.pending().map((p) => p.record)).toEqual([
      expect.objectContaining({ type: 'approval.expired', actionId: id, action: 'github.comment' }),
    ]);
    vigilErrorOf(() => answerApproval(store, id, 'deny', 'cli', clock.now()), 'VIGIL_ERR_APPROVAL_CLOSED');
    expect(outboxTypes(store)).toEqual(['approval.expired']);
  });

  it('one millisecond before expiresAt still counts', () => {
    const { store, clock, pending } = setup();
    const { id } = pending(2 * HOUR);
    clock.advance(2 * HOUR - 1);
    expect(answerApproval(store, id, 'approve', 'push', clock.now()).state).toBe('approved');
  });
});

describe('expireApprovals', () => {
  it('expires only the approvals that are due', () => {
    const { store, clock, pending } = setup();
    const short = pending(1 * HOUR);
    const long = pending(48 * HOUR);
    const answered = pending(1 * HOUR);
    answerApproval(store, answered.id, 'approve', 'cli', clock.now());
    store.outbox.deleteThrough(Number.MAX_SAFE_INTEGER);

    clock.advance(HOUR - 1);
    expect(expireApprovals(store, clock.now())).toBe(0);
    expect(store.outbox.pending()).toEqual([]);

    clock.advance(1);
    expect(expireApprovals(store, clock.now())).toBe(1);
    // What the owner reads on the action (vigil actions, the dashboard): why it never ran.
    expect(store.actions.get(short.id)).toMatchObject({ state: 'expired', reason: 'approval expired' });
    expect(store.actions.get(long.id)?.state).toBe('awaiting_approval');
    expect(store.actions.get(answered.id)?.state).toBe('approved');
    expect(store.outbox.pending().map((p) => p.record)).toEqual([
      expect.objectContaining({ type: 'approval.expired', actionId: short.id }),
    ]);

    // Running again expires nothing twice.
    expect(expireApprovals(store, clock.now())).toBe(0);
    expect(store.outbox.pending()).toHaveLength(1);

    clock.advance(48 * HOUR);
    expect(expireApprovals(store, clock.now())).toBe(1);
    expect(store.actions.get(long.id)?.state).toBe('expired');
    expect(store.actions.nextExpiry()).toBeUndefined();
    expect(outboxTypes(store)).toEqual(['approval.expired', 'approval.expired']);
  });

  it('an expired approval can no longer be approved', () => {
    const { store, clock, pending } = setup();
    const { id } = pending(HOUR);
    clock.advance(HOUR);
    expect(expireApprovals(store, clock.now())).toBe(1);
    vigilErrorOf(() => answerApproval(store, id, 'approve', 'cli', clock.now()), 'VIGIL_ERR_APPROVAL_CLOSED');
    expect(store.actions.get(id)?.state).toBe('expired');
  });
});

describe('two handles (CLI and daemon) answering the same approval', () => {
  it('only one answer wins', () => {
    const { store, clock, pending } = setup();
    const cli = Store.open(store.db.name);
    opened.push(cli);
    const { id } = pending();
    answerApproval(cli, id, 'approve', 'cli', clock.now());
    vigilErrorOf(() => answerApproval(store, id, 'deny', 'dashboard', clock.now()), 'VIGIL_ERR_APPROVAL_CLOSED');
    expect(store.actions.get(id)).toMatchObject({ state: 'approved', answeredBy: 'cli' });
    expect(outboxTypes(store)).toEqual(['approval.granted']);
  });
});

describe('the owner\'s reason, as it is kept', () => {
  const deny = (reason: string | undefined) => {
    const { store, clock, pending } = setup();
    const { id } = pending();
    const denied = answerApproval(store, id, 'deny', 'cli', clock.now(), reason);
    return { denied, record: store.outbox.pending()[0]!.record as { reason?: string } };
  };

  it('one line, trimmed; kept with the answer and in its log record', () => {
    const { denied, record } = deny('  not\n\tthis   week ');
    expect(denied.answerReason).toBe('not this week');
    expect(record.reason).toBe('not this week');
  });

  it('blank is no reason at all', () => {
    const { denied, record } = deny(' \n ');
    expect(denied.answerReason).toBeNull();
    expect(record).not.toHaveProperty('reason');
  });

  it('at most ANSWER_REASON_MAX_CHARS, cut with an ellipsis', () => {
    expect(deny('a'.repeat(ANSWER_REASON_MAX_CHARS)).denied.answerReason).toBe('a'.repeat(ANSWER_REASON_MAX_CHARS));
    const cut = deny('b'.repeat(ANSWER_REASON_MAX_CHARS + 1)).denied.answerReason!;
    expect(cut).toHaveLength(ANSWER_REASON_MAX_CHARS);
    expect(cut).toBe(`${'b'.repeat(ANSWER_REASON_MAX_CHARS - 1)}…`);
  });

  it('a secret vigil holds, pasted into it, is redacted', () => {
    const secret = 'ghp_reasoncanary0123456789abcdef';
    maskSecrets([secret]);
    const { denied, record } = deny(`the token ${secret} leaked`);
    expect(denied.answerReason).not.toContain(secret);
    expect(record.reason).not.toContain(secret);
    expect(denied.answerReason).toMatch(/^the token .+ leaked$/);
  });
});

describe('an approval answered or expired wakes the next tick', () => {
  // The quiet-tick rule skips a tick when nothing moved since the last decided one.
  const decided = (store: Store, now: number) => recordDecidedTick(store, { mark: worldMark(store, []), dueReminders: [] }, now);
  const moved = (store: Store) => changesSinceBaseline(store, worldMark(store, []), 0);

  it('an answer moves the world', () => {
    const { store, clock, pending } = setup();
    const { id } = pending();
    decided(store, clock.now());
    expect(moved(store)).toEqual([]);
    answerApproval(store, id, 'approve', 'cli', clock.now());
    expect(moved(store)).toEqual(['approvals changed']);
  });

  it('an expiry moves the world, by the sweep or by a late answer', () => {
    const { store, clock, pending } = setup();
    const swept = pending(HOUR);
    const late = pending(2 * HOUR);
    decided(store, clock.now());
    clock.advance(HOUR);
    expect(expireApprovals(store, clock.now())).toBe(1);
    expect(store.actions.get(swept.id)?.state).toBe('expired');
    expect(moved(store)).toEqual(['approvals changed']);
    decided(store, clock.now());
    clock.advance(HOUR);
    vigilErrorOf(() => answerApproval(store, late.id, 'approve', 'cli', clock.now()), 'VIGIL_ERR_APPROVAL_CLOSED');
    expect(moved(store)).toEqual(['approvals changed']);
  });
});

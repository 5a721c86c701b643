import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import type { EventRecord } from '../../src/events.js';
import { DAEMON_BUSY_TIMEOUT_MS, openDb, Store } from '../../src/store/index.js';
import { REAL_DISK, Spool, type SpoolDisk } from '../../src/store/spool.js';
import { WebhookIntake } from '../../src/triggers/index.js';
import type { IntakeResult, RawDelivery } from '../../src/triggers/webhooks/intake-types.js';
import { useTempDir } from '../unit/helpers.js';

/**
 * Issue 22: every crash test kills with SIGKILL, which keeps written pages, so a spool
 * that never called fdatasync passed them all. Here the disk calls go through a seam
 * (SpoolDisk) that records them beside the store's commits, the log's lines and the
 * answers, in the order they happen; and can hold an fdatasync to see what waits for it.
 */
const tempDir = useTempDir('vigil-group-commit-');
const stores: Store[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

class RecordingDisk implements SpoolDisk {
  readonly calls: string[] = [];
  hold = false;
  failWith: NodeJS.ErrnoException | undefined;
  /** How many of the next fdatasyncs fail with `failWith` (every one while unset). */
  failSyncs: number | undefined;
  /** The next write throws this (a full disk), once. */
  failWrite: NodeJS.ErrnoException | undefined;
  private readonly held: (() => void)[] = [];

  write(fd: number, bytes: Buffer, position: number): void {
    this.calls.push('write');
    const failure = this.failWrite;
    this.failWrite = undefined;
    if (failure) throw failure;
    REAL_DISK.write(fd, bytes, position);
  }
  fdatasync(fd: number, done: (err: NodeJS.ErrnoException | null) => void): void {
    this.calls.push('fdatasync');
    const go = () => {
      const failure = this.failWith;
      if (failure && this.failSyncs !== undefined && --this.failSyncs <= 0) this.failWith = undefined;
      if (failure) setImmediate(() => done(failure));
      else REAL_DISK.fdatasync(fd, done);
    };
    if (this.hold) this.held.push(go);
    else go();
  }
  fdatasyncSync(fd: number): void {
    this.calls.push('fdatasyncSync');
    REAL_DISK.fdatasyncSync(fd);
  }
  // The directory's sync after a new segment is test/unit/spool-disk.test.ts's to show; here the group's order is.
  syncDir = REAL_DISK.syncDir;
  syncDirSync = REAL_DISK.syncDirSync;
  open = REAL_DISK.open;
  close = REAL_DISK.close;
  get waiting(): number {
    return this.held.length;
  }
  release(): void {
    this.hold = false;
    for (const go of this.held.splice(0)) go();
  }
}

function setUp(github: Record<string, unknown> = {}) {
  const dir = tempDir();
  const disk = new RecordingDisk();
  const store = new Store(openDb(path.join(dir, 'vigil.db')), new Spool(path.join(dir, 'spool'), { disk }));
  stores.push(store);
  store.onCommit = () => disk.calls.push('commit');
  const logged: EventRecord[] = [];
  /** What the initiative is told: new deliveries waiting, per group commit. */
  const woken: number[] = [];
  const journal = {
    /** The log refuses lines (a full disk) while set. */
    failing: false,
    writeMany(records: EventRecord[]) {
      if (journal.failing) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      disk.calls.push('log');
      logged.push(...records);
    },
  };
  let filter = parseConfig({ github }).github;
  const intake = new WebhookIntake({
    store,
    journal,
    clock: new FakeClock(1_750_000_000_000),
    filter: () => filter,
    onStored: (count) => woken.push(count),
  });
  const send = async (delivery: RawDelivery): Promise<IntakeResult> => {
    const result = await intake.store(delivery);
    disk.calls.push('answer');
    return result;
  };
  const rows = () =>
    store.db.prepare('SELECT delivery_id AS deliveryId, kind, state FROM inbox ORDER BY id').all() as { deliveryId: string; kind: string; state: string }[];
  const reload = (next: Record<string, unknown>) => {
    filter = parseConfig({ github: next }).github;
    intake.refreshFilter();
  };
  return { disk, store, intake, send, rows, logged, reload, woken, journal };
}

let digests = 0;
function delivery(id: string, over: { event?: string; repo?: string; action?: string; body?: string; digest?: string } = {}): RawDelivery {
  const payload = { action: over.action ?? 'opened', repository: { full_name: over.repo ?? 'octo/app' }, issue: { number: 7 }, id };
  return {
    deliveryId: id,
    event: over.event ?? 'issues',
    body: over.body ?? JSON.stringify(payload),
    contentType: 'application/json',
    bodyDigest: over.digest ?? (++digests).toString(16).padStart(16, '0'),
  };
}

/** Lets every callback queued so far (and the ones they queue) run: an event-loop drain, not a sleep. */
async function drainLoop(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('group commit: one write, one fdatasync, one transaction per group, then the answers', () => {
  it('each group is written once, synced once and committed once before any of its deliveries is answered', async () => {
    const { disk, store, send, rows } = setUp();
    const first = await Promise.all(['a1', 'a2', 'a3', 'a4', 'a5'].map((id) => send(delivery(id))));
    expect(first.map((r) => r.status)).toEqual(['stored', 'stored', 'stored', 'stored', 'stored']);
    const second = await Promise.all(['b1', 'b2', 'b3'].map((id) => send(delivery(id))));
    expect(second.map((r) => r.status)).toEqual(['stored', 'stored', 'stored']);
    expect(disk.calls).toEqual([
      ...['write', 'fdatasync', 'commit', 'log', 'answer', 'answer', 'answer', 'answer', 'answer'],
      ...['write', 'fdatasync', 'commit', 'log', 'answer', 'answer', 'answer'],
    ]);
    expect(rows().map((r) => r.deliveryId)).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'b1', 'b2', 'b3']);
    // Each row is its delivery's: from github, and its own body read back from the spool.
    const stored = store.db.prepare('SELECT source, payload, payload_ref FROM inbox ORDER BY id').all() as { source: string; payload: string; payload_ref: string | null }[];
    expect(stored.map((r) => r.source)).toEqual(Array(8).fill('github'));
    expect(stored.map((r) => (JSON.parse(store.inbox.payloadOf(r)) as { id: string }).id)).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'b1', 'b2', 'b3']);
  });

  it('the answer waits for the fdatasync: while it is held, nothing is committed, logged or answered', async () => {
    const { disk, send, rows, logged } = setUp();
    disk.hold = true;
    let answer: IntakeResult | undefined;
    const pending = send(delivery('held-1')).then((r) => (answer = r));
    await drainLoop();
    expect(disk.waiting).toBe(1);
    expect(disk.calls).toEqual(['write', 'fdatasync']);
    expect(answer).toBeUndefined();
    expect(rows()).toEqual([]);
    expect(logged).toEqual([]);

    disk.release();
    await pending;
    expect(answer).toMatchObject({ status: 'stored' });
    expect(disk.calls).toEqual(['write', 'fdatasync', 'commit', 'log', 'answer']);
    expect(rows().map((r) => r.deliveryId)).toEqual(['held-1']);
  });

  it('a group that arrives while the previous one syncs is written at once and answered after it, in order', async () => {
    const { disk, send } = setUp();
    disk.hold = true;
    const order: string[] = [];
    const one = send(delivery('g1')).then(() => order.push('g1'));
    await drainLoop();
    const two = send(delivery('g2')).then(() => order.push('g2'));
    await drainLoop();
    // The second body is written while the first sync is still out; its sync waits for that one.
    expect(disk.calls).toEqual(['write', 'fdatasync', 'write']);
    expect(order).toEqual([]);
    disk.release();
    await Promise.all([one, two]);
    expect(order).toEqual(['g1', 'g2']);
    expect(disk.calls.filter((c) => c === 'fdatasync')).toHaveLength(2);
    expect(disk.calls.filter((c) => c === 'commit')).toHaveLength(2);
  });

  it('a failed fdatasync is never answered as stored, and nothing of the group is indexed', async () => {
    const { disk, send, rows, logged } = setUp();
    disk.failWith = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    await expect(send(delivery('lost-1'))).rejects.toMatchObject({ code: 'VIGIL_ERR_SPOOL' });
    expect(rows()).toEqual([]);
    expect(logged).toEqual([]);
    expect(disk.calls).not.toContain('commit');
  });
});

describe('github.repos / github.events: a filtered delivery is stored and logged as event.filtered, never dropped', () => {
  it('stores each delivery, marks the ones outside the filter, and says why in the log', async () => {
    const { send, rows, logged } = setUp({ repos: ['octo/*'], events: ['issues', 'push'] });
    const results = await Promise.all([
      send(delivery('in', { repo: 'octo/app' })),
      send(delivery('other-repo', { repo: 'someone/else' })),
      send(delivery('other-event', { event: 'pull_request' })),
      send(delivery('ping', { event: 'ping', body: '{"zen":"Keep it logically awesome.","hook_id":1}' })),
    ]);
    expect(results.map((r) => r.status)).toEqual(['stored', 'stored', 'stored', 'stored']);
    expect(rows()).toEqual([
      { deliveryId: 'in', kind: 'github.issues.opened', state: 'pending' },
      { deliveryId: 'other-repo', kind: 'github.issues.opened', state: 'filtered' },
      { deliveryId: 'other-event', kind: 'github.pull_request.opened', state: 'filtered' },
      { deliveryId: 'ping', kind: 'github.ping', state: 'filtered' },
    ]);
    expect(logged.filter((r) => r.type === 'event.received').map((r) => (r as { source?: string }).source)).toEqual(['github', 'github', 'github', 'github']);
    expect(logged.filter((r) => r.type === 'event.filtered').map((r) => (r as { reason?: string }).reason)).toEqual([
      'repository someone/else is not in github.repos',
      'event pull_request.opened is not in github.events',
      'ping: GitHub checking the hook',
    ]);
  });

  it('a repository matching any one of several github.repos patterns passes', async () => {
    const { send, rows } = setUp({ repos: ['octo/*', 'someone/else'], events: ['*'] });
    await Promise.all([send(delivery('first', { repo: 'octo/app' })), send(delivery('second', { repo: 'someone/else' })), send(delivery('neither', { repo: 'third/party' }))]);
    expect(rows().map((r) => [r.deliveryId, r.state])).toEqual([
      ['first', 'pending'],
      ['second', 'pending'],
      ['neither', 'filtered'],
    ]);
  });

  it('github.repos leaves alone an event of no repository (an organization\'s, an installation\'s)', async () => {
    const { send, rows, logged } = setUp({ repos: ['octo/*'], events: ['*'] });
    await send(delivery('org', { event: 'organization', body: JSON.stringify({ action: 'member_added', organization: { login: 'octo' } }) }));
    expect(rows()).toEqual([{ deliveryId: 'org', kind: 'github.organization.member_added', state: 'pending' }]);
    expect(logged.map((r) => r.type)).toEqual(['event.received']);
  });

  it('an event pattern may name the action; a reloaded filter applies to the next delivery', async () => {
    const { send, rows, reload } = setUp({ repos: ['*/*'], events: ['issues.closed'] });
    await send(delivery('opened', { action: 'opened' }));
    await send(delivery('closed', { action: 'closed' }));
    reload({ repos: ['octo/*'], events: ['*'] });
    await send(delivery('after-reload', { repo: 'someone/else' }));
    await send(delivery('after-reload-in', { repo: 'octo/app' }));
    expect(rows().map((r) => [r.deliveryId, r.state])).toEqual([
      ['opened', 'filtered'],
      ['closed', 'pending'],
      ['after-reload', 'filtered'],
      ['after-reload-in', 'pending'],
    ]);
  });
});

describe('a delivery id redelivered is stored once', () => {
  it('in the same group, in a later group and as the same body under another id: one row, one event.received', async () => {
    const { send, rows, logged } = setUp();
    const same = delivery('r-1', { digest: 'aaaaaaaaaaaaaaaa' });
    const [first, twin] = await Promise.all([send(same), send(same)]);
    expect(first).toMatchObject({ status: 'stored' });
    expect(twin).toEqual({ status: 'duplicate', eventId: (first as { eventId: number }).eventId, kind: 'github.issues.opened' });
    expect(await send(same)).toMatchObject({ status: 'duplicate', eventId: (first as { eventId: number }).eventId });
    const replay = await send({ ...same, deliveryId: 'r-1-replayed' });
    expect(replay).toEqual({ status: 'replayed', replayOf: (first as { eventId: number }).eventId, kind: 'github.issues.opened' });
    expect(rows().map((r) => r.deliveryId)).toEqual(['r-1']);
    expect(logged.filter((r) => r.type === 'event.received')).toHaveLength(1);
    expect(logged.filter((r) => r.type === 'event.replayed')).toHaveLength(1);
  });

  it("the route's bytes are stored as they came, the text a form carries as its text: each read back exactly", async () => {
    const { send, store } = setUp();
    const json = JSON.stringify({ action: 'opened', issue: { title: 'Ünïcödé 🚀 naïve — “quotes”' }, repository: { full_name: 'octo/app' } });
    const stored = await send({ ...delivery('u-1'), body: json, bytes: Buffer.from(json, 'utf8') });
    expect(store.inbox.byDeliveryId('u-1')?.payload).toBe(json);
    const form = `payload=${encodeURIComponent(json)}`;
    await send({ ...delivery('u-2'), body: form, bytes: Buffer.from(form, 'utf8'), contentType: 'application/x-www-form-urlencoded' });
    expect(store.inbox.byDeliveryId('u-2')?.payload).toBe(json);
    expect(stored).toMatchObject({ status: 'stored', kind: 'github.issues.opened' });
  });

  it('a body that is not JSON is answered invalid and stored nowhere', async () => {
    const { disk, send, rows } = setUp();
    expect(await send(delivery('bad', { body: '{"action":' }))).toEqual({ status: 'invalid' });
    expect(rows()).toEqual([]);
    expect(disk.calls.filter((c) => c === 'fdatasync')).toHaveLength(0);
  });
});

describe('when the disk or the store refuses', () => {
  const EIO = () => Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });

  it('a transaction the store refuses answers 503; its rows commit first with the next group, and a redelivery meanwhile is answered from them', async () => {
    const { disk, store, send, rows, logged, woken } = setUp();
    // A full database refuses the insert. SQLITE_FULL is not a busy lock: no retry, the
    // real transaction rolls back at once. The trigger makes it happen on demand.
    store.db.exec(`CREATE TEMP TRIGGER store_full BEFORE INSERT ON main.inbox BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);
    const first = delivery('c-1');
    await expect(send(first)).rejects.toMatchObject({ code: 'VIGIL_ERR_WEBHOOK_UNAVAILABLE', message: expect.stringContaining('full') });
    expect(rows()).toEqual([]);
    expect(logged).toEqual([]);
    expect(woken).toEqual([]);

    store.db.exec('DROP TRIGGER store_full');
    disk.calls.length = 0;
    // GitHub redelivers the 503'd id; another delivery arrives in the same turn.
    const [again, next] = await Promise.all([send(first), send(delivery('c-2'))]);
    const [c1, c2] = rows();
    expect(rows().map((r) => r.deliveryId)).toEqual(['c-1', 'c-2']);
    const ids = store.db.prepare('SELECT id FROM inbox ORDER BY id').pluck().all() as number[];
    expect(again).toEqual({ status: 'duplicate', eventId: ids[0], kind: c1!.kind });
    expect(next).toMatchObject({ status: 'stored', eventId: ids[1], kind: c2!.kind });
    // The redelivery waited for its row: its body was not spooled again. One write (c-2's), one sync, one commit.
    expect(disk.calls).toEqual(['write', 'fdatasync', 'commit', 'log', 'answer', 'answer']);
    expect(store.spool.scanAfter(undefined).records.map((r) => r.deliveryId)).toEqual(['c-1', 'c-2']);
    expect(logged.filter((r) => r.type === 'event.received').map((r) => (r as { deliveryId?: string }).deliveryId)).toEqual(['c-1', 'c-2']);
    expect(woken).toEqual([2]);
  });

  it('another process holding the write lock: waited for a while, then 503 well before GitHub gives up (10 s); the rows go in once it lets go', async () => {
    const { store, send, rows } = setUp();
    store.setBusyTimeout(DAEMON_BUSY_TIMEOUT_MS);
    const other = openDb(store.db.name);
    try {
      // A brief lock (the worker, the CLI) is waited for: the delivery is stored, not refused.
      other.exec('BEGIN IMMEDIATE');
      const letGo = setTimeout(() => other.exec('ROLLBACK'), 300);
      expect(await send(delivery('brief'))).toMatchObject({ status: 'stored' });
      clearTimeout(letGo);

      other.exec('BEGIN IMMEDIATE');
      const started = performance.now();
      await expect(send(delivery('held'))).rejects.toMatchObject({ code: 'VIGIL_ERR_WEBHOOK_UNAVAILABLE' });
      const waited = performance.now() - started;
      console.log(`group-commit: a held write lock answered 503 after ${waited.toFixed(0)} ms`);
      expect(waited).toBeGreaterThan(1000);
      expect(waited).toBeLessThan(8000);
      other.exec('ROLLBACK');
      expect(await send(delivery('after'))).toMatchObject({ status: 'stored' });
      expect(rows().map((r) => r.deliveryId)).toEqual(['brief', 'held', 'after']);
    } finally {
      if (other.inTransaction) other.exec('ROLLBACK');
      other.close();
    }
  });

  it('a group the disk refuses behind one still syncing is answered after it, in order, and leaves no unhandled rejection (which would end the daemon)', async () => {
    const { disk, send } = setUp();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      disk.hold = true;
      const order: string[] = [];
      const first = send(delivery('s-1')).then((r) => order.push(`s-1 ${r.status}`));
      await drainLoop();
      disk.failWrite = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      const second = send(delivery('s-2')).catch((err: { code?: string }) => order.push(`s-2 ${err.code}`));
      await drainLoop();
      expect(order).toEqual([]);
      disk.release();
      await Promise.all([first, second]);
      await drainLoop();
      expect(order).toEqual(['s-1 stored', 's-2 VIGIL_ERR_SPOOL']);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('after a failed fdatasync, the redelivery of the same id is stored afresh', async () => {
    const { disk, send, rows, logged } = setUp();
    disk.failWith = EIO();
    disk.failSyncs = 1;
    const lost = delivery('lost-2');
    await expect(send(lost)).rejects.toMatchObject({ code: 'VIGIL_ERR_SPOOL' });
    expect(await send(lost)).toMatchObject({ status: 'stored' });
    expect(rows().map((r) => r.deliveryId)).toEqual(['lost-2']);
    expect(logged.filter((r) => r.type === 'event.received')).toHaveLength(1);
  });

  it('a spool write the disk refuses answers nothing as stored; the redelivery is stored afresh', async () => {
    const { disk, send, rows } = setUp();
    disk.failWrite = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const refused = delivery('full-1');
    await expect(send(refused)).rejects.toMatchObject({ code: 'VIGIL_ERR_SPOOL' });
    expect(rows()).toEqual([]);
    expect(await send(refused)).toMatchObject({ status: 'stored' });
    expect(rows().map((r) => r.deliveryId)).toEqual(['full-1']);
  });

  it('a log that refuses the lines does not undo the answer: the group is committed, answered stored, and the initiative woken', async () => {
    const { journal, send, rows, woken } = setUp();
    journal.failing = true;
    const results = await Promise.all([send(delivery('l-1')), send(delivery('l-2'))]);
    expect(results.map((r) => r.status)).toEqual(['stored', 'stored']);
    expect(rows().map((r) => r.deliveryId)).toEqual(['l-1', 'l-2']);
    expect(woken).toEqual([2]);
  });
});

describe('the initiative is told of new deliveries, and close waits for the ones in flight', () => {
  it('each group tells how many it newly stored; a group of repeats, replays and invalid bodies tells nothing', async () => {
    const { send, woken } = setUp();
    const a = delivery('w-1');
    await Promise.all([send(a), send(delivery('w-2')), send(delivery('w-3'))]);
    expect(woken).toEqual([3]);
    await Promise.all([send(a), send({ ...a, deliveryId: 'w-1-replayed' }), send(delivery('w-bad', { body: 'not json' }))]);
    expect(woken).toEqual([3]);
    await Promise.all([send(a), send(delivery('w-4'))]);
    expect(woken).toEqual([3, 1]);
  });

  it('two copies of a replayed body\'s delivery in one group are both answered as the replay', async () => {
    const { send } = setUp();
    const original = delivery('o-1');
    const stored = (await send(original)) as { eventId: number };
    const replay = { ...original, deliveryId: 'o-1-replayed' };
    const both = await Promise.all([send(replay), send(replay)]);
    expect(both).toEqual([
      { status: 'replayed', replayOf: stored.eventId, kind: 'github.issues.opened' },
      { status: 'replayed', replayOf: stored.eventId, kind: 'github.issues.opened' },
    ]);
  });

  it('close waits until the deliveries in flight are answered, and refuses new ones', async () => {
    const { disk, intake, send } = setUp();
    disk.hold = true;
    const order: string[] = [];
    const inFlight = send(delivery('f-1')).then((r) => order.push(`answered ${r.status}`));
    await drainLoop();
    const closed = intake.close().then(() => order.push('closed'));
    await drainLoop();
    expect(order).toEqual([]);
    const late = intake.store(delivery('f-late'));
    disk.release();
    await expect(late).rejects.toMatchObject({ code: 'VIGIL_ERR_WEBHOOK_UNAVAILABLE', message: expect.stringContaining('vigil is stopping') });
    await Promise.all([inFlight, closed]);
    expect(order).toEqual(['answered stored', 'closed']);
  });
});

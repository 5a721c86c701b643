import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/clock.js';
import { claimableByNode } from '../../../src/exec/index.js';
import { claimableOn } from '../../../src/exec/team-claimable.js';
import { PgStore } from '../../../src/store/pg/index.js';
import { usePgNodes } from '../../helpers/pg-nodes.js';
import { postgresAvailability, usePostgres } from '../../helpers/postgres.js';

const PG = postgresAvailability();
const T0 = Date.parse('2026-03-02T10:00:00Z');
const LEASE_SECONDS = 30;

describe.runIf(PG.available)('the team store: events and actions claimed with leases across nodes (real PostgreSQL)', () => {
  const pg = usePostgres('claims');
  const node = usePgNodes(pg, { leaseSeconds: LEASE_SECONDS, truncate: ['inbox', 'actions', 'nodes'], migratedAt: T0 });

  const deliver = async (store: PgStore, n: number) => {
    await store.transaction((tx) => store.inbox.addDeliveries(tx, Array.from({ length: n }, (_, i) => ({
      source: 'github',
      kind: 'push',
      deliveryId: `d-${i}`,
      body: Buffer.from(JSON.stringify({ n: i })),
      receivedAt: T0 + i,
    }))));
  };

  it('three nodes with several claimers each: every event is claimed once and decided once', async () => {
    const clock = new FakeClock(T0);
    const nodes = await Promise.all(['a', 'b', 'c'].map((name) => node(name, clock)));
    await deliver(nodes[0]!, 300);
    const decidedBy = new Map<number, string[]>();
    const claimer = async (store: PgStore) => {
      for (;;) {
        const events = await store.inbox.claim(3);
        if (events.length === 0) return;
        for (const event of events) {
          const ok = await store.transaction((tx) => store.inbox.markDecided(tx, event.id));
          expect(ok).toBe(true);
          decidedBy.set(event.id, [...(decidedBy.get(event.id) ?? []), store.node]);
        }
      }
    };
    // Three claimers per node on separate pooled connections: twelve transactions race.
    await Promise.all(nodes.flatMap((store) => [claimer(store), claimer(store), claimer(store), claimer(store)]));
    expect(decidedBy.size).toBe(300);
    expect([...decidedBy.values()].filter((by) => by.length !== 1)).toEqual([]);
    const { rows } = await pg.sql<{ state: string; attempts: number; n: number }>(
      'SELECT state, attempts, count(*)::int AS n FROM inbox GROUP BY state, attempts',
    );
    expect(rows).toEqual([{ state: 'decided', attempts: 1, n: 300 }]);
    // Work was spread: each node took some.
    const perNode = new Set([...decidedBy.values()].map((by) => by[0]));
    expect(perNode.size).toBe(3);
  });

  it('a dead node (its backends terminated): its events go to another node exactly when the lease runs out, and it cannot decide them after', async () => {
    const clock = new FakeClock(T0);
    const a = await node('dies', clock);
    const b = await node('lives', clock);
    await deliver(a, 5);
    const taken = await a.inbox.claim(5);
    expect(taken.map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
    expect(taken.every((e) => e.claimedBy === 'dies' && e.leaseUntil === T0 + LEASE_SECONDS * 1000)).toBe(true);
    const { rows: killed } = await pg.cluster.admin<{ killed: boolean }>(
      `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name = 'vigil:dies'`,
    );
    expect(killed.length).toBeGreaterThan(0);

    clock.advance(LEASE_SECONDS * 1000 - 1);
    expect(await b.inbox.claim(5)).toEqual([]);
    clock.advance(1);
    const retaken = await b.inbox.claim(5);
    expect(retaken.map((e) => [e.id, e.claimedBy, e.attempts])).toEqual([1, 2, 3, 4, 5].map((id) => [id, 'lives', 2]));

    // The dead node's pool reconnects; its stale claim is refused, b's decision stands.
    expect(await a.transaction((tx) => a.inbox.markDecided(tx, 1))).toBe(false);
    expect(await b.transaction((tx) => b.inbox.markDecided(tx, 1))).toBe(true);
    expect(await a.inbox.renew([2, 3])).toEqual([]);
    expect(await a.inbox.release(2)).toBe(false);
    expect((await b.inbox.get(1))?.state).toBe('decided');
  });

  it('a live node renews its leases and keeps its events; a release gives one back at once', async () => {
    const clock = new FakeClock(T0);
    const a = await node('a', clock);
    const b = await node('b', clock);
    await deliver(a, 2);
    const [first, second] = await a.inbox.claim(2);
    clock.advance(LEASE_SECONDS * 1000 - 1000);
    expect(await a.inbox.renew([first!.id, second!.id])).toEqual([first!.id, second!.id]);
    clock.advance(2000);
    expect(await b.inbox.claim(2)).toEqual([]);
    expect(await a.inbox.release(second!.id)).toBe(true);
    expect((await b.inbox.claim(2)).map((e) => e.id)).toEqual([second!.id]);
    // A lease that ran out is not renewed, nor decided on, even before another node takes it.
    clock.advance(LEASE_SECONDS * 1000);
    expect(await a.inbox.renew([first!.id])).toEqual([]);
    expect(await a.transaction((tx) => a.inbox.markDecided(tx, first!.id))).toBe(false);
  });

  it('the body is stored in its row, byte for byte, and a delivery id or body seen before is not stored again', async () => {
    const clock = new FakeClock(T0);
    const a = await node('a', clock);
    const body = Buffer.from('{"zen":"caf\u00e9 \\u0000"}\n', 'utf8');
    const first = await a.transaction((tx) => a.inbox.addDeliveries(tx, [
      { source: 'github', kind: 'ping', deliveryId: 'x-1', body, bodyDigest: '00ff00ff00ff00ff', receivedAt: T0 },
    ]));
    const again = await a.transaction((tx) => a.inbox.addDeliveries(tx, [
      { source: 'github', kind: 'ping', deliveryId: 'x-1', body, receivedAt: T0 },
      { source: 'github', kind: 'ping', deliveryId: 'x-2', body, bodyDigest: '00ff00ff00ff00ff', receivedAt: T0 },
    ]));
    expect(first).toEqual([{ id: 1, inserted: true }]);
    expect(again).toEqual([{ id: 1, inserted: false }, { id: -1, inserted: false, replayOf: 1 }]);
    expect((await a.inbox.get(1))?.body.equals(body)).toBe(true);
    // Repeats within one group meet their first as stored; a delivery without an id is always new.
    const other = Buffer.from('{"other":1}');
    const group = await a.transaction((tx) => a.inbox.addDeliveries(tx, [
      { source: 'github', kind: 'push', deliveryId: 'y-1', body: other, bodyDigest: '1111111111111111', receivedAt: T0 },
      { source: 'tick', kind: 'tick', body: Buffer.from('{}'), receivedAt: T0 },
      { source: 'github', kind: 'push', deliveryId: 'y-1', body: other, bodyDigest: '1111111111111111', receivedAt: T0 },
      { source: 'github', kind: 'push', deliveryId: 'y-2', body: other, bodyDigest: '1111111111111111', receivedAt: T0 },
      { source: 'github', kind: 'push', deliveryId: 'x-1', body, receivedAt: T0 },
      { source: 'github', kind: 'push', deliveryId: 'y-3', body: other, receivedAt: T0, state: 'filtered' },
    ]));
    const y1 = group[0]!.id;
    expect(group).toEqual([
      { id: y1, inserted: true },
      { id: expect.any(Number), inserted: true },
      { id: y1, inserted: false },
      { id: -1, inserted: false, replayOf: y1 },
      { id: 1, inserted: false },
      { id: expect.any(Number), inserted: true },
    ]);
    expect((await a.inbox.get(group[5]!.id))).toMatchObject({ deliveryId: 'y-3', state: 'filtered', receivedBy: 'a' });
    expect((await a.inbox.get(y1))?.body.equals(other)).toBe(true);
    // A transaction that fails stores nothing: the row and its body go together.
    await expect(a.transaction(async (tx) => {
      await a.inbox.addDeliveries(tx, [{ source: 'github', kind: 'ping', deliveryId: 'x-3', body, receivedAt: T0 }]);
      throw new Error('crash before commit');
    })).rejects.toThrow('crash before commit');
    const { rows } = await pg.sql<{ n: number }>(`SELECT count(*)::int AS n FROM inbox WHERE delivery_id = 'x-3'`);
    expect(rows[0]!.n).toBe(0);
  });

  it('every connection commits with synchronous_commit on, even where the database says off', async () => {
    await pg.sql('ALTER DATABASE claims SET synchronous_commit = off');
    try {
      const a = await node('a', new FakeClock(T0));
      const seen = await Promise.all([1, 2, 3].map(() => a.transaction(async (tx) => (await tx.query<{ s: string }>("SELECT current_setting('synchronous_commit') AS s")).rows[0]!.s)));
      expect(seen).toEqual(['on', 'on', 'on']);
      expect((await pg.sql<{ s: string }>("SELECT current_setting('synchronous_commit') AS s")).rows[0]!.s).toBe('off');
    } finally {
      await pg.sql('ALTER DATABASE claims RESET synchronous_commit');
    }
  });

  it('nodes: each says what it holds; a node silent for a lease is no longer alive', async () => {
    const clock = new FakeClock(T0);
    const a = await node('a', clock);
    const b = await node('b', clock);
    await deliver(a, 3);
    await a.inbox.claim(2);
    await a.nodes.heartbeat(['tick']);
    clock.advance(LEASE_SECONDS * 1000 - 1);
    await b.nodes.heartbeat([]);
    expect((await b.nodes.list()).map((n) => [n.name, n.alive, n.holds])).toEqual([
      ['a', true, { roles: ['tick'], events: 2, actions: 0 }],
      ['b', true, { roles: [], events: 0, actions: 0 }],
    ]);
    clock.advance(1);
    expect((await b.nodes.list()).map((n) => [n.name, n.alive])).toEqual([['a', false], ['b', true]]);
  });

  it('approved actions: each claimed by one node; a dead worker\'s action is claimed again after its lease, and fails after maxAttempts', async () => {
    const clock = new FakeClock(T0);
    const nodes = await Promise.all(['a', 'b', 'c'].map((name) => node(name, clock)));
    for (let i = 0; i < 60; i++) {
      await nodes[0]!.actions.insert(nodes[0]!.pool, {
        id: `act${String(i).padStart(3, '0')}`, action: 'notify', params: { i }, rationale: '', state: 'approved', verdict: 'allow', reason: '',
      });
    }
    const ranBy = new Map<string, string[]>();
    await Promise.all(nodes.flatMap((store) => [1, 2, 3].map(async () => {
      for (;;) {
        const [action] = await store.actions.claim(1);
        if (!action) return;
        ranBy.set(action.id, [...(ranBy.get(action.id) ?? []), store.node]);
        expect(await store.actions.finish(action.id, { state: 'succeeded', result: { by: store.node } })).toBe(true);
      }
    })));
    expect(ranBy.size).toBe(60);
    expect([...ranBy.values()].filter((by) => by.length !== 1)).toEqual([]);

    const [a, b] = nodes as [PgStore, PgStore, PgStore];
    await a.actions.insert(a.pool, { id: 'lost0001', action: 'notify', params: {}, rationale: '', state: 'approved', verdict: 'allow', reason: '' });
    expect((await a.actions.claim(1)).map((x) => x.id)).toEqual(['lost0001']);
    clock.advance(LEASE_SECONDS * 1000);
    expect((await b.actions.claim(1)).map((x) => [x.id, x.claimedBy, x.attempts])).toEqual([['lost0001', 'b', 2]]);
    expect(await a.actions.finish('lost0001', { state: 'succeeded', result: null })).toBe(false);
    clock.advance(LEASE_SECONDS * 1000);
    expect((await a.actions.claim(1)).map((x) => x.attempts)).toEqual([3]);
    clock.advance(LEASE_SECONDS * 1000);
    expect(await b.actions.claim(1)).toEqual([]);
    expect(await b.actions.get('lost0001')).toMatchObject({ state: 'failed', error: 'its worker stopped 3 times while running it' });
  });

  it('`waiting` says whether a claim would take an action, by the claim\'s own predicate: kinds, clones, expired leases (a node whose worker exited idle asks it)', async () => {
    const clock = new FakeClock(T0);
    const [a, b] = await Promise.all(['a', 'b'].map((name) => node(name, clock))) as [PgStore, PgStore];
    const both = claimableByNode([{ name: 'octo/app', path: '/src/app' }, { name: 'octo/docs' }]);
    const lanes = claimableOn([{ name: 'octo/app', path: '/src/app' }, { name: 'octo/docs' }]);
    expect(await a.actions.waiting(both)).toBe(false);
    // An agent task about a repository this node has no clone of: not this node's work, in either lane.
    await a.actions.insert(a.pool, { id: 'task-docs', action: 'agent.task', params: { repo: 'octo/docs', prompt: 'x' }, rationale: '', repo: 'octo/docs', state: 'approved', verdict: 'allow', reason: '' });
    expect(await a.actions.waiting(both)).toBe(false);
    expect((await a.actions.claimIn(a.pool, 1, lanes.agent)).claimed).toEqual([]);
    // Its clone's task is (the repository's name in any case, as GitHub's names are).
    await a.actions.insert(a.pool, { id: 'task-app', action: 'agent.task', params: { repo: 'Octo/App', prompt: 'x' }, rationale: '', state: 'approved', verdict: 'allow', reason: '' });
    expect(await a.actions.waiting(both)).toBe(true);
    expect((await a.actions.claimIn(a.pool, 1, lanes.agent)).claimed.map((x) => x.id)).toEqual(['task-app']);
    expect(await a.actions.waiting(both)).toBe(false);
    // A running action whose lease ran out (its node died) is work again; one still held is not.
    clock.advance(LEASE_SECONDS * 1000 - 1);
    expect(await b.actions.waiting(both)).toBe(false);
    clock.advance(1);
    expect(await b.actions.waiting(both)).toBe(true);
    expect((await b.actions.claimIn(b.pool, 1, lanes.agent)).claimed.map((x) => [x.id, x.claimedBy])).toEqual([['task-app', 'b']]);
    expect(await b.actions.waiting(both)).toBe(false);
    // Any other kind is every node's.
    await a.actions.insert(a.pool, { id: 'label-1', action: 'github.label', params: { repo: 'octo/docs', number: 1, labels: ['x'] }, rationale: '', repo: 'octo/docs', state: 'approved', verdict: 'allow', reason: '' });
    expect(await b.actions.waiting(both)).toBe(true);
    expect((await b.actions.claimIn(b.pool, 1, lanes.main)).claimed.map((x) => x.id)).toEqual(['label-1']);
    expect(await b.actions.waiting(both)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/clock.js';
import { PgStore } from '../../../src/store/pg/index.js';
import { usePgNodes } from '../../helpers/pg-nodes.js';
import { postgresAvailability, usePostgres } from '../../helpers/postgres.js';

/**
 * Coalesced groups claimed across nodes (issue 19 with issue 14): the events of one
 * subject wait until the subject has been quiet for the window, then one node claims all
 * of them under one lease, however many nodes race for them; a group whose lease lapsed is
 * taken whole by another node.
 */
const PG = postgresAvailability();
const T0 = Date.parse('2026-03-02T10:00:00Z');
const LEASE_SECONDS = 30;
const WINDOW = { windowMs: 20_000, maxHoldMs: 200_000, maxRows: 50 };

describe.runIf(PG.available)('the team store: coalesced groups claimed whole across nodes (real PostgreSQL)', () => {
  const pg = usePostgres('group_claims');
  const node = usePgNodes(pg, { leaseSeconds: LEASE_SECONDS, truncate: ['inbox', 'nodes'], migratedAt: T0 });

  let seq = 0;
  /** One delivery on `key` (none: an event of no subject), arrived at `at`. */
  const deliver = (store: PgStore, key: string | undefined, at: number) =>
    store.transaction(async (tx) => {
      const [added] = await store.inbox.addDeliveries(tx, [{
        source: 'github',
        kind: 'github.check_run.completed',
        deliveryId: `d-${++seq}`,
        body: Buffer.from(JSON.stringify({ seq })),
        receivedAt: at,
        ...(key ? { coalesceKey: key } : {}),
      }]);
      return added!.id;
    });
  const ids = (events: { id: number }[]) => events.map((e) => e.id);

  it('a group waits for its subject to go quiet, events of no subject do not wait behind it, and the group is then claimed whole', async () => {
    const clock = new FakeClock(T0);
    const a = await node('a', clock);
    const run = [await deliver(a, 'octo/app@sha1', T0), await deliver(a, 'octo/app@sha1', T0 + 5_000)];
    const push = await deliver(a, undefined, T0 + 6_000);
    clock.set(T0 + 6_000);
    // The CI run is not quiet yet; the push is its own group, at once.
    expect(ids(await a.inbox.claimGroup(WINDOW))).toEqual([push]);
    expect(await a.transaction((tx) => a.inbox.markDecided(tx, push))).toBe(true);
    expect(await a.inbox.claimGroup(WINDOW)).toEqual([]);
    // A delivery of the run on another node moves the run's due time.
    const b = await node('b', clock);
    clock.set(T0 + 20_000);
    run.push(await deliver(b, 'octo/app@sha1', T0 + 20_000));
    clock.set(T0 + 39_999);
    expect(await b.inbox.claimGroup(WINDOW)).toEqual([]);
    clock.set(T0 + 40_000);
    const claimed = await b.inbox.claimGroup(WINDOW);
    expect(ids(claimed)).toEqual(run);
    expect(claimed.every((e) => e.claimedBy === 'b' && e.leaseUntil === T0 + 40_000 + LEASE_SECONDS * 1000 && e.attempts === 1)).toBe(true);
    expect(await a.inbox.claimGroup(WINDOW)).toEqual([]);
    // Decided whole by the node that holds it; the other node holds none of it.
    expect(await a.transaction((tx) => a.inbox.markAllDecided(tx, run))).toBe(0);
    expect(await b.transaction((tx) => b.inbox.markAllDecided(tx, run))).toBe(3);
  });

  it('three nodes with three claimers each racing over forty subjects: every group claimed once and whole', async () => {
    const clock = new FakeClock(T0);
    const nodes = await Promise.all(['a', 'b', 'c'].map((name) => node(name, clock)));
    const expected = new Map<string, number[]>();
    for (let i = 0; i < 200; i++) {
      const key = `octo/app#${i % 40}`;
      const id = await deliver(nodes[i % 3]!, key, T0 + i);
      expected.set(key, [...(expected.get(key) ?? []), id]);
    }
    clock.set(T0 + 60_000);
    const groups: { node: string; ids: number[] }[] = [];
    const claimer = async (store: PgStore) => {
      for (;;) {
        const events = await store.inbox.claimGroup(WINDOW);
        if (events.length === 0) return;
        groups.push({ node: store.node, ids: ids(events) });
        expect(await store.transaction((tx) => store.inbox.markAllDecided(tx, ids(events)))).toBe(events.length);
      }
    };
    await Promise.all(nodes.flatMap((store) => [claimer(store), claimer(store), claimer(store)]));
    expect(groups.map((g) => g.ids).sort((x, y) => x[0]! - y[0]!)).toEqual([...expected.values()]);
    expect(new Set(groups.map((g) => g.node)).size).toBeGreaterThan(1);
  });

  it('a group held by a node that died is claimed whole by another once its lease lapses, and the dead node can no longer decide it', async () => {
    const clock = new FakeClock(T0);
    const dies = await node('dies', clock);
    const lives = await node('lives', clock);
    const run = [await deliver(dies, 'octo/app@sha2', T0), await deliver(lives, 'octo/app@sha2', T0 + 1)];
    clock.set(T0 + 30_000);
    expect(ids(await dies.inbox.claimGroup(WINDOW))).toEqual(run);
    clock.advance(LEASE_SECONDS * 1000 - 1);
    expect(await lives.inbox.claimGroup(WINDOW)).toEqual([]);
    clock.advance(1);
    const retaken = await lives.inbox.claimGroup(WINDOW);
    expect(retaken.map((e) => [e.id, e.claimedBy, e.attempts])).toEqual(run.map((id) => [id, 'lives', 2]));
    expect(await dies.transaction((tx) => dies.inbox.markAllDecided(tx, run))).toBe(0);
    expect(await lives.transaction((tx) => lives.inbox.markAllDecided(tx, run))).toBe(2);
  });

  it('a subject that never goes quiet is due after maxHoldMs all the same; a flood is claimed maxRows at a time, the rest a group of its own', async () => {
    const clock = new FakeClock(T0);
    const a = await node('a', clock);
    const window = { windowMs: 20_000, maxHoldMs: 60_000, maxRows: 4 };
    const sent: number[] = [];
    // One delivery every ten seconds: the window never closes.
    for (let t = 0; t <= 60_000; t += 10_000) {
      clock.set(T0 + t);
      if (t < 60_000) expect(await a.inbox.claimGroup(window)).toEqual([]);
      sent.push(await deliver(a, 'octo/app#9', T0 + t));
    }
    expect(ids(await a.inbox.claimGroup(window))).toEqual(sent.slice(0, 4));
    // The rest: due when its subject is quiet (its newest arrived at 60 s).
    expect(await a.inbox.claimGroup(window)).toEqual([]);
    clock.set(T0 + 80_000);
    expect(ids(await a.inbox.claimGroup(window))).toEqual(sent.slice(4));
  });
});

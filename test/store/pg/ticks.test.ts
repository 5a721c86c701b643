/**
 * The team's tick scheduler against a real cluster (issue 19): one tick per schedule slot
 * — the slot is the key — also when two nodes enqueue the same slot at once, and across a
 * failover, where the node that takes the role over catches up the slots the dead holder
 * did not look at and none that it did. The clock is a fake one: the slots are its seconds.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/clock.js';
import { TickConfig } from '../../../src/config/index.js';
import { TeamTicks } from '../../../src/daemon/team-ticks.js';
import { PgStore } from '../../../src/store/pg/index.js';
import { isSlotTaken } from '../../../src/store/index.js';
import { sleep } from '../../helpers/home.js';
import { postgresAvailability, usePostgres } from '../../helpers/postgres.js';
import { waitFor } from './team-helpers.js';

const PG = postgresAvailability();
const T0 = Date.parse('2026-03-02T10:00:00Z');
const LEASE_SECONDS = 30;

describe.runIf(PG.available)('the team\'s ticks: one per schedule slot (real PostgreSQL)', () => {
  const cluster = usePostgres('ticks');
  let databases = 0;
  const fresh = async () => cluster.cluster.createDatabase(`ticks_${++databases}`);

  const waitUntil = (probe: () => Promise<boolean>, what: string, timeoutMs = 10_000) => waitFor(probe, what, timeoutMs, 50);

  it('two nodes enqueueing the same slot at once: one tick event, the other finds the slot taken', async () => {
    const url = await fresh();
    const clock = new FakeClock(T0);
    const [a, b] = await Promise.all(['a', 'b'].map((node) => PgStore.open({ url, node, clock, leaseSeconds: LEASE_SECONDS })));
    try {
      for (let round = 0; round < 20; round++) {
        const slot = T0 + round * 1000;
        const outcomes = await Promise.all([a!, b!].map((store) =>
          store.transaction((tx) => store.ticks.enqueue(tx, slot, Buffer.from('{}'))).catch((err: unknown) => {
            if (isSlotTaken(err)) return 'taken';
            throw err;
          }),
        ));
        expect(outcomes.filter((o) => typeof o === 'number')).toHaveLength(1);
      }
      const { rows } = await a!.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM inbox WHERE source = 'tick'`);
      expect(rows[0]!.n).toBe(20);
      expect(await a!.ticks.lastSlot()).toBe(T0 + 19_000);
    } finally {
      await Promise.all([a!.close(), b!.close()]);
    }
  });

  it('a holder stopped at any point: the next holder catches up the slots it left, and none it enqueued', async () => {
    const url = await fresh();
    const clock = new FakeClock(T0);
    const config = TickConfig.parse({ schedule: '*/2 * * * * *' });
    const nodes = await Promise.all(['a', 'b'].map(async (name) => {
      const holder: { ticks?: TeamTicks } = {};
      const store = await PgStore.open({
        url, node: name, clock, leaseSeconds: LEASE_SECONDS, roleRetryMs: 100,
        roleEvents: { gained: () => {}, lost: (role) => role === 'tick' && holder.ticks?.lost() },
      });
      holder.ticks = new TeamTicks({ store, clock, config: () => config, world: () => ({ repos: [] }), leaseSeconds: LEASE_SECONDS, enqueued: () => {}, warn: () => {} });
      return { store, ticks: holder.ticks };
    }));
    const [a, b] = nodes as [(typeof nodes)[number], (typeof nodes)[number]];
    const slots = async () => (await a.store.pool.query<{ slot: number; node: string }>('SELECT slot, node FROM ticks ORDER BY slot')).rows;
    try {
      a.ticks.start();
      await waitUntil(async () => a.store.roles.holds('tick'), 'a to hold the tick role');
      // a's scheduler looks four times a second: with no tick before, it starts from the first time it sees the role held.
      await sleep(600);
      b.ticks.start();
      // The first slot after a took the role, then five more as the clock moves.
      for (let s = 0; s < 5; s++) {
        clock.advance(2000);
        await waitUntil(async () => (await slots()).length === s + 1, `slot ${s + 1}`);
      }
      // Two more slots come due and a stops at once: it may have enqueued none, one or both.
      clock.advance(4000);
      await a.ticks.stop();
      await waitUntil(async () => b.store.roles.holds('tick'), 'b to take the role over');
      await waitUntil(async () => (await slots()).length === 7, 'the slots a left, caught up by b');
      clock.advance(2000);
      await waitUntil(async () => (await slots()).length === 8, 'b\'s own next slot');
      await sleep(600);
      const all = await slots();
      expect(all.map((s) => s.slot)).toEqual(Array.from({ length: 8 }, (_, i) => T0 + 2000 * (i + 1)));
      expect(all.slice(0, 5).every((s) => s.node === 'a')).toBe(true);
      expect(all[7]!.node).toBe('b');
      // Nothing decides here: the first slot's tick waits, and every later slot waits for it (a key with no event).
      const events = await a.store.pool.query<{ slot: number }>(`SELECT t.slot FROM ticks t JOIN inbox i ON i.id = t.event_id WHERE i.source = 'tick'`);
      expect(events.rows.map((r) => r.slot)).toEqual([T0 + 2000]);
    } finally {
      await b.ticks.stop();
      await Promise.all([a.store.close(), b.store.close()]);
    }
  });
});

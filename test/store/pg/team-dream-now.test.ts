/**
 * `vigil dream --now` on a team (issue 19), in process against a real cluster: a node
 * that does not hold the dreamer role leaves the owner's request in `dream_state`, and
 * the holder's dreamer dreams it under that id at its next look; while it dreams, another
 * request through either node is VIGIL_ERR_DREAM_BUSY naming it; a dream whose holder's
 * connection no longer holds the role is not under way (src/daemon/team-dreamer.ts,
 * src/store/pg/dream.ts).
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/clock.js';
import { parseConfig } from '../../../src/config/load.js';
import { TeamDreamer } from '../../../src/daemon/team-dreamer.js';
import type { Consolidator } from '../../../src/dream/consolidator.js';
import { RulesConsolidator } from '../../../src/dream/rules-consolidator.js';
import { PgStore } from '../../../src/store/pg/index.js';
import { postgresAvailability, usePostgres } from '../../helpers/postgres.js';

const PG = postgresAvailability();
const T0 = Date.parse('2026-03-02T10:00:00Z');
/** A dreamer looks every third of it: 333 ms. */
const LEASE_SECONDS = 1;

/** Polls an asynchronous probe until it gives a value. */
async function until<T>(probe: () => Promise<T | undefined | false>, what: string): Promise<T> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe.runIf(PG.available)('vigil dream --now on a team (real PostgreSQL)', () => {
  const pg = usePostgres('team_dream_now');

  it('is dreamt by the role\'s holder when asked through another node, busy while it runs, and not busy once its holder is gone', async () => {
    const url = await pg.cluster.createDatabase('now_1');
    const clock = new FakeClock(T0);
    const alpha = await PgStore.open({ url, node: 'alpha', clock, leaseSeconds: LEASE_SECONDS });
    const beta = await PgStore.open({ url, node: 'beta', clock, leaseSeconds: LEASE_SECONDS });
    // The consolidator holds the dream open until the test lets it go.
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const holding: Consolidator = {
      name: 'rules',
      consolidate: async (memory, observations, context) => {
        entered();
        await gate;
        return new RulesConsolidator().consolidate(memory, observations, context);
      },
    };
    const config = parseConfig({}, {});
    const dreamer = (store: PgStore) =>
      new TeamDreamer({ store, clock, config: () => config, consolidator: () => holding, leaseSeconds: LEASE_SECONDS, info: () => {}, warn: () => {} });
    expect(await alpha.roles.tryAcquire('dreamer')).toBe(true);
    const [onAlpha, onBeta] = [dreamer(alpha), dreamer(beta)];
    onAlpha.start();
    onBeta.start();
    try {
      // Nothing is due (no news): only the owner's request makes a dream.
      const asked = await onBeta.now();
      expect(asked).toMatchObject({ node: 'beta', here: false });
      expect((await beta.dreams.state()).requestedId).toBe(asked.dreamId);
      await inside;
      expect(await beta.dreams.dreaming()).toMatchObject({ dreamId: asked.dreamId, node: 'alpha', pid: process.pid });
      for (const through of [onBeta, onAlpha]) {
        await expect(through.now()).rejects.toMatchObject({ code: 'VIGIL_ERR_DREAM_BUSY', message: expect.stringContaining(`on node alpha (dream ${asked.dreamId})`) });
      }
      release();
      const end = await until(() => beta.dreams.ended(asked.dreamId, '2026-01-01'), 'the asked dream to end');
      expect(end).toMatchObject({ type: 'dream.finished', dreamId: asked.dreamId });
      await until(async () => (await beta.dreams.dreaming()) === undefined, 'the dream to be over');
      expect((await beta.dreams.state()).requestedId).toBeNull();
      // A dream recorded by a backend that holds no dreamer lock (its node died with it) is not under way.
      await beta.dreams.started(clock.now(), 'ghost', { pid: 1, backend: 2_000_000_000 }, []);
      expect(await alpha.dreams.dreaming()).toBeUndefined();
      // …and through the holder, a request is dreamt at once, here.
      expect(await onAlpha.now()).toMatchObject({ node: 'alpha', here: true });
    } finally {
      await Promise.all([onAlpha.stop(), onBeta.stop()]);
      await Promise.all([alpha.close(), beta.close()]);
    }
  }, 60_000);
});

import { systemClock } from '../clock.js';
import type { Config } from '../config/index.js';
import { eventRecord } from '../events.js';
import { withTeamTickStore } from '../store/index.js';
import { observeTeamWorld, teamTickBody } from '../tick/index.js';

/**
 * `vigil tick` on a team's home (`store.url`, issue 19): straight to the database by a
 * short-lived pool, whether or not a node runs here. The manual tick is an event in the
 * shared inbox — SQLite's manual tick, with its mark and what moved since the team's
 * last decided tick — that any node decides; it takes no schedule slot's key, so no
 * scheduled tick is lost or doubled for it. The CLI holds no GitHub credential: the
 * tick carries no open-work digest (its mark leaves the team's digest baseline as it was).
 */
export async function requestTeamTick(url: string, node: string, config: Pick<Config, 'tick' | 'repos' | 'owner'>): Promise<{ outcome: 'enqueued'; eventId: number }> {
  return withTeamTickStore(url, node, async (store) => {
    const now = systemClock.now();
    const world = await observeTeamWorld(store.ticks, { repos: config.repos, timezone: config.tick.timezone, workingHours: config.owner.workingHours }, now);
    const body = teamTickBody('manual', world);
    const eventId = await store.transaction(async (tx) => {
      const id = await store.ticks.enqueueManual(tx, body);
      await store.log.append(tx, [eventRecord('event.received', { eventId: id, source: 'tick', kind: 'tick' }, now)]);
      return id;
    });
    return { outcome: 'enqueued', eventId };
  });
}

import { systemClock } from '../clock.js';
import type { Config } from '../config/index.js';
import { eventRecord } from '../events.js';
import { withTeamTickStore, type PgTickStore } from '../store/index.js';
import { observeTeamWorld, teamTickBody, type TeamWorldOptions } from '../tick/index.js';

export interface TeamTickRequested {
  outcome: 'enqueued';
  eventId: number;
  /**
   * The open-work digest: `read` (a node with GitHub credentials took the request),
   * `failed` (it tried; why is in the event and its `tick.open_work` line), or `none`.
   */
  openWork: 'read' | 'failed' | 'none';
}

/**
 * A manual tick on a team (issue 19): an event in the shared inbox — SQLite's manual
 * tick, with its mark and what moved since the team's last decided tick — that any node
 * decides; it takes no schedule slot's key, so no scheduled tick is lost or doubled for
 * it. Its `event.received` line, and the digest's `tick.open_work` when one was read, go
 * to the chain of the store's node in the event's transaction.
 */
export async function enqueueTeamManualTick(
  store: Pick<PgTickStore, 'ticks' | 'log' | 'transaction'>,
  world: TeamWorldOptions,
  now: number,
  digestWaitMs?: number,
): Promise<TeamTickRequested> {
  const seen = await observeTeamWorld(store.ticks, world, now, digestWaitMs);
  const body = teamTickBody('manual', seen);
  const eventId = await store.transaction(async (tx) => {
    const id = await store.ticks.enqueueManual(tx, body);
    await store.log.append(tx, [...seen.records, eventRecord('event.received', { eventId: id, source: 'tick', kind: 'tick' }, now)]);
    return id;
  });
  const openWork = seen.openWork.openWorkFailed?.length ? 'failed' : seen.openWork.openWork?.length ? 'read' : 'none';
  return { outcome: 'enqueued', eventId, openWork };
}

/**
 * `vigil tick` on a team's home when no node runs on it: straight to the database by a
 * short-lived pool. The CLI holds no GitHub credential, so this tick carries no open-work
 * digest (its mark leaves the team's digest baseline as it was); a node running on the
 * home takes the request instead (`POST /api/tick`) and reads the digest through its worker.
 */
export async function requestTeamTick(url: string, node: string, config: Pick<Config, 'tick' | 'repos' | 'owner'>): Promise<TeamTickRequested> {
  return withTeamTickStore(url, node, (store) =>
    enqueueTeamManualTick(store, { repos: config.repos, timezone: config.tick.timezone, workingHours: config.owner.workingHours }, systemClock.now()),
  );
}

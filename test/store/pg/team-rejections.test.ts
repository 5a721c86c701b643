/**
 * Refused webhook deliveries on a team (issue 20 with issue 19), in one process against a
 * real cluster: each node's counts saved in its row of `webhook_rejections` and summed by
 * the team's status report — a running node's own counted up to this moment, before its
 * line is written — a node that restarts goes on from its saved counts, and two nodes
 * whose smee clients refuse in the same hour tell the owner once between them.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/clock.js';
import { parseConfig } from '../../../src/config/load.js';
import { teamStatusReport } from '../../../src/daemon/status.js';
import { TeamRejections } from '../../../src/daemon/team-rejections.js';
import { readRejections, type PgStore } from '../../../src/store/pg/index.js';
import { summarizeRejections } from '../../../src/triggers/index.js';
import { usePgNodes } from '../../helpers/pg-nodes.js';
import { postgresAvailability, usePostgres } from '../../helpers/postgres.js';

const PG = postgresAvailability();
const T0 = Date.parse('2026-03-02T10:00:05Z');
const HOUR = 3_600_000;

describe.runIf(PG.available)('refused deliveries on a team (real PostgreSQL)', () => {
  const pg = usePostgres('team_rejections');
  const node = usePgNodes(pg, { leaseSeconds: 30, truncate: ['webhook_rejections', 'notify_queue', 'nodes'], migratedAt: T0 });
  const config = parseConfig({}, {});

  const tallyOf = (store: PgStore, clock: FakeClock) =>
    TeamRejections.start({
      store,
      clock,
      record: async (record) => void (await store.transaction((tx) => store.log.append(tx, [record]))),
      warn: (message, fields) => {
        throw new Error(`${message} ${JSON.stringify(fields)}`);
      },
    });
  const report = async (store: PgStore, now: number, own?: { node: string; rejections: TeamRejections }) =>
    teamStatusReport({
      team: await store.status(now),
      config,
      now,
      node: own?.node ?? null,
      ...(own ? { ownRejections: own.rejections.counts() } : {}),
    }).rejectedDeliveries;

  it('every node\'s counts summed; a running node\'s own up to this moment; a restarted node goes on from its row; one notice an hour across nodes', async () => {
    const clock = new FakeClock(T0);
    const [alpha, beta] = [await node('alpha', clock), await node('beta', clock)];
    const a = await tallyOf(alpha, clock);
    const b = await tallyOf(beta, clock);
    for (let i = 0; i < 3; i++) a.tally.note('signature', 'direct');
    b.tally.note('signature', 'proxy', { deliveryId: 'd-b1', event: 'issues' });
    b.tally.note('signature', 'proxy', { deliveryId: 'd-b2', event: 'issues' });
    await b.close();

    // Each reason's first refusal is a line, and its save; the rest of the minute waits for their line.
    await waitSaved(beta, 'alpha', 1);
    expect(await report(beta, clock.now())).toEqual({ lastHour: 3, direct: { signature: 1 }, proxy: { signature: 2 }, cause: expect.any(String) });
    // Through alpha itself: its own counts as they are now, the other nodes' rows beside them.
    expect(await report(alpha, clock.now(), { node: 'alpha', rejections: a })).toMatchObject({ lastHour: 5, direct: { signature: 3 }, proxy: { signature: 2 } });

    // Stopping writes what waited: every node's row then has all of its counts.
    a.tally.note('signature', 'proxy', { deliveryId: 'd-a1', event: 'issues' });
    await a.close();
    expect((await readRejections(beta.pool)).map((r) => r.node)).toEqual(['alpha', 'beta']);
    expect(await report(beta, clock.now())).toEqual({ lastHour: 6, direct: { signature: 3 }, proxy: { signature: 3 }, cause: expect.stringMatching(/secret mismatch|webhook proxy/) });

    // Both nodes' smee clients refused within the hour: one notice between them.
    const alerts = (await pg.sql<{ key: string; payload: { body: string } }>(`SELECT key, payload FROM notify_queue WHERE kind = 'alert'`, [])).rows;
    expect(alerts).toEqual([{ key: `alert:webhooks-failing:${T0 - (T0 % HOUR)}`, payload: expect.objectContaining({ body: expect.stringMatching(/arriving but failing verification/) }) }]);

    // alpha restarts: its counts are its own again, and the next refusal adds to them.
    clock.advance(2 * 60_000);
    const again = await tallyOf(alpha, clock);
    again.tally.note('headers', 'direct');
    await again.close();
    expect(await report(beta, clock.now())).toMatchObject({ lastHour: 7, direct: { signature: 3, headers: 1 }, proxy: { signature: 3 } });

    // Counted per hour: an hour later none are in it (doctor's day still has them: checks-rejections.ts).
    expect(await report(beta, T0 + 2 * HOUR)).toEqual({ lastHour: 0 });
  });
});

/** Waits until `node`'s saved row holds `total` refusals (a save is written after the line that asked it). */
async function waitSaved(store: PgStore, node: string, total: number): Promise<void> {
  const deadline = Date.now() + 5000;
  const saved = async () => {
    const log = (await readRejections(store.pool)).find((r) => r.node === node)?.log;
    return summarizeRejections(log, T0, HOUR).total;
  };
  while ((await saved()) < total) {
    if (Date.now() > deadline) throw new Error(`${node}'s row never held ${total} refusals`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

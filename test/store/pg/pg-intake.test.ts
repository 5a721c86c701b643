/**
 * The PostgreSQL webhook intake in process (issue 19), against a real cluster: what the
 * route is told for each kind of delivery, and what the database holds after — rows,
 * bodies, states and their log lines, committed together or not at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/clock.js';
import { GithubConfig } from '../../../src/config/schema.js';
import { PgStore } from '../../../src/store/pg/index.js';
import { PgWebhookIntake } from '../../../src/triggers/webhooks/pg-intake.js';
import type { RawDelivery } from '../../../src/triggers/webhooks/intake-types.js';
import { postgresAvailability, usePostgres } from '../../helpers/postgres.js';

const PG = postgresAvailability();
const T0 = Date.parse('2026-03-02T10:00:00Z');

const digest = (n: number) => n.toString(16).padStart(16, '0');
const delivery = (n: number, body: string, extra: Partial<RawDelivery> = {}): RawDelivery => ({
  deliveryId: `0000-${n}`,
  event: 'issues',
  body,
  contentType: 'application/json',
  bodyDigest: digest(n),
  ...extra,
});

describe.runIf(PG.available)('the PostgreSQL webhook intake (real cluster)', () => {
  const pg = usePostgres('pg_intake');
  let store: PgStore;
  const stored: number[] = [];
  let intake: PgWebhookIntake;

  beforeAll(async () => {
    store = await PgStore.open({ url: pg.url, node: 'alpha', clock: new FakeClock(T0), max: 4 });
    const filter = GithubConfig.parse({ events: ['issues', 'ping'], repos: ['acme/*'] });
    intake = new PgWebhookIntake({ store, clock: new FakeClock(T0), filter: () => filter, onStored: (n) => stored.push(n) });
  });
  afterAll(async () => {
    await intake?.close();
    await store?.close();
  });

  it('one loop turn is one group: stored, filtered, invalid, a repeat and a replay each answered as the SQLite intake answers them', async () => {
    const opened = JSON.stringify({ action: 'opened', repository: { full_name: 'acme/app' } });
    const elsewhere = JSON.stringify({ action: 'opened', repository: { full_name: 'other/app' } });
    const form = `payload=${encodeURIComponent(JSON.stringify({ action: 'closed', repository: { full_name: 'acme/app' } }))}`;
    const results = await Promise.all([
      intake.store(delivery(1, opened)),
      intake.store(delivery(2, elsewhere)),
      intake.store(delivery(3, 'not json')),
      intake.store(delivery(4, form, { contentType: 'application/x-www-form-urlencoded' })),
      // The same delivery id again within the group, and the first body under a new id (a replay).
      intake.store(delivery(1, opened)),
      intake.store(delivery(5, opened, { bodyDigest: digest(1) })),
    ]);
    expect(results[0]).toEqual({ status: 'stored', eventId: expect.any(Number), kind: 'github.issues.opened' });
    expect(results[1]).toEqual({ status: 'stored', eventId: expect.any(Number), kind: 'github.issues.opened', filtered: 'repository other/app is not in github.repos' });
    expect(results[2]).toEqual({ status: 'invalid' });
    expect(results[3]).toEqual({ status: 'stored', eventId: expect.any(Number), kind: 'github.issues.closed' });
    expect(results[4]).toEqual({ status: 'duplicate', eventId: (results[0] as { eventId: number }).eventId, kind: 'github.issues.opened' });
    expect(results[5]).toEqual({ status: 'replayed', replayOf: (results[0] as { eventId: number }).eventId, kind: 'github.issues.opened' });
    // One group, one wake-up for the three new rows.
    expect(stored).toEqual([3]);

    const rows = (await pg.sql<{ delivery_id: string; state: string; body: Buffer }>('SELECT delivery_id, state, body FROM inbox ORDER BY id')).rows;
    expect(rows.map((r) => [r.delivery_id, r.state])).toEqual([
      ['0000-1', 'pending'],
      ['0000-2', 'filtered'],
      ['0000-4', 'pending'],
    ]);
    // A form's payload field is stored as its JSON text, as the SQLite intake stores it.
    expect(rows[2]!.body.toString('utf8')).toBe(JSON.stringify({ action: 'closed', repository: { full_name: 'acme/app' } }));
    const types = (await pg.sql<{ type: string }>('SELECT type FROM log_entries ORDER BY seq')).rows.map((r) => r.type);
    expect(types).toEqual(['event.received', 'event.received', 'event.filtered', 'event.received', 'event.replayed']);
  });

  it('a commit the database refuses answers every delivery of the group unavailable, and stores none of them', async () => {
    const before = Number((await pg.sql<{ n: string }>('SELECT count(*) AS n FROM inbox')).rows[0]!.n);
    // The server refuses the statement (a stand-in for a full disk or a lost connection), inside the group's transaction.
    await pg.sql(`ALTER TABLE inbox ADD CONSTRAINT no_more CHECK (delivery_id <> '0000-9')`);
    try {
      const body = JSON.stringify({ action: 'opened', repository: { full_name: 'acme/app' } });
      const answers = await Promise.allSettled([intake.store(delivery(8, body.replace('opened', 'edited'))), intake.store(delivery(9, body.replace('opened', 'labeled')))]);
      for (const a of answers) expect(a).toMatchObject({ status: 'rejected', reason: { code: 'VIGIL_ERR_WEBHOOK_UNAVAILABLE' } });
      expect(Number((await pg.sql<{ n: string }>('SELECT count(*) AS n FROM inbox')).rows[0]!.n)).toBe(before);
    } finally {
      await pg.sql('ALTER TABLE inbox DROP CONSTRAINT no_more');
    }
    // Taken again afterwards: nothing of the failed group is remembered as stored.
    const again = await intake.store(delivery(8, JSON.stringify({ action: 'edited', repository: { full_name: 'acme/app' } })));
    expect(again).toMatchObject({ status: 'stored' });
  });
});

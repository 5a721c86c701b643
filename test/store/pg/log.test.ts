import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/clock.js';
import { verifyLogDir } from '../../../src/logs/index.js';
import { DailyLog } from '../../../src/logs/daily-log.js';
import { secretMask } from '../../../src/secrets/index.js';
import { PgStore, readPgLog, readPgLogDay, verifyPgLog } from '../../../src/store/pg/index.js';
import { postgresAvailability, usePostgres } from '../../helpers/postgres.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const PG = postgresAvailability();
const T0 = Date.parse('2026-03-02T10:00:00Z');

describe.runIf(PG.available)('the team store: the log, append-only and hash-chained per node (real PostgreSQL)', () => {
  const pg = usePostgres('log');

  it('chains each node\'s records byte for byte as the daily files do, and merges the nodes by time', async () => {
    const clock = new FakeClock(T0);
    const a = await PgStore.open({ url: pg.url, node: 'alpha', clock });
    const b = await PgStore.open({ url: pg.url, node: 'beta', clock });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-pglog-'));
    try {
      const file = new DailyLog({ dir, clock, mask: secretMask() });
      const records = [{ type: 'event.received', id: 1, kind: 'push' }, { type: 'decision.made', summary: 'quiet', act: false }];
      const inDb = await a.transaction((tx) => a.log.append(tx, records));
      const inFile = file.appendMany(records);
      file.close();
      // One format, one hash: the same records after the same genesis are the same lines.
      expect(inDb).toEqual(inFile);
      expect(verifyLogDir(dir)[0]).toMatchObject({ ok: true, entries: 2 });

      clock.advance(1000);
      await b.transaction((tx) => b.log.append(tx, [{ type: 'tick.skipped' }]));
      clock.advance(1000);
      await a.transaction((tx) => a.log.append(tx, [{ type: 'tick.skipped' }]));
      const merged = await readPgLog(a.pool, T0, T0 + 10_000);
      expect(merged.map((e) => [e.node, e.seq, e.type])).toEqual([
        ['alpha', 1, 'event.received'], ['alpha', 2, 'decision.made'], ['beta', 1, 'tick.skipped'], ['alpha', 3, 'tick.skipped'],
      ]);
      const verified = await verifyPgLog(a.pool);
      expect(verified.map((v) => [v.node, v.ok, v.entries])).toEqual([['alpha', true, 3], ['beta', true, 1]]);
      // A record rolled back with its transaction leaves no gap in the chain.
      await expect(a.transaction(async (tx) => {
        await a.log.append(tx, [{ type: 'event.received', id: 2 }]);
        throw new Error('crash before commit');
      })).rejects.toThrow();
      await a.transaction((tx) => a.log.append(tx, [{ type: 'event.received', id: 3 }]));
      expect((await verifyPgLog(a.pool, 'alpha'))[0]).toMatchObject({ ok: true, entries: 4 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      await a.close();
      await b.close();
    }
  });

  it('two processes of one node appending at once take turns: one unbroken chain', async () => {
    const clock = new FakeClock(T0);
    const [p1, p2] = await Promise.all([1, 2].map(() => PgStore.open({ url: pg.url, node: 'busy', clock })));
    try {
      const writer = (store: PgStore, who: string) => Promise.all(Array.from({ length: 20 }, (_, i) =>
        store.transaction((tx) => store.log.append(tx, [{ type: 'event.received', who, i }, { type: 'decision.made', who, i }]))));
      await Promise.all([writer(p1!, 'one'), writer(p2!, 'two')]);
      expect((await verifyPgLog(p1!.pool, 'busy'))[0]).toMatchObject({ ok: true, entries: 80 });
    } finally {
      await Promise.all([p1!.close(), p2!.close()]);
    }
  });

  it('the database itself refuses UPDATE, DELETE and TRUNCATE of the log, whoever asks', async () => {
    const clock = new FakeClock(T0);
    const a = await PgStore.open({ url: pg.url, node: 'gamma', clock });
    try {
      await a.transaction((tx) => a.log.append(tx, [{ type: 'event.received', id: 1 }]));
      // As the superuser, not through the store's code: the refusal is the database's.
      await expect(pg.sql(`UPDATE log_entries SET line = 'x' WHERE node = 'gamma'`)).rejects.toThrow(/append-only: UPDATE refused/);
      await expect(pg.sql(`DELETE FROM log_entries WHERE node = 'gamma'`)).rejects.toThrow(/append-only: DELETE refused/);
      await expect(pg.sql('TRUNCATE log_entries')).rejects.toThrow(/append-only: TRUNCATE refused/);
      expect((await pg.sql<{ n: number }>(`SELECT count(*)::int AS n FROM log_entries WHERE node = 'gamma'`)).rows[0]!.n).toBe(1);
    } finally {
      await a.close();
    }
  });

  it('verify finds an edited line, a removed line and an edited column (triggers bypassed by a superuser on purpose)', async () => {
    const clock = new FakeClock(T0);
    const a = await PgStore.open({ url: pg.url, node: 'delta', clock });
    try {
      await a.transaction((tx) => a.log.append(tx, [1, 2, 3, 4].map((id) => ({ type: 'event.received', id }))));
      expect((await verifyPgLog(a.pool, 'delta'))[0]).toMatchObject({ ok: true, entries: 4 });
      // Only a superuser turning the triggers off can change a row; the chain still tells.
      const bypass = (sql: string) => pg.sql(`SET session_replication_role = replica; ${sql}`);
      await bypass(`UPDATE log_entries SET line = replace(line, '"id":2', '"id":9') WHERE node = 'delta' AND seq = 2`);
      expect((await verifyPgLog(a.pool, 'delta'))[0]).toMatchObject({ ok: false, entries: 1, firstBad: { line: 2, reason: 'hash mismatch (edited)' } });
    } finally {
      await a.close();
    }
    const b = await PgStore.open({ url: pg.url, node: 'epsilon', clock });
    try {
      await b.transaction((tx) => b.log.append(tx, [1, 2, 3].map((id) => ({ type: 'event.received', id }))));
      await pg.sql(`SET session_replication_role = replica; DELETE FROM log_entries WHERE node = 'epsilon' AND seq = 2`);
      expect((await verifyPgLog(b.pool, 'epsilon'))[0]).toMatchObject({ ok: false, firstBad: { line: 2, reason: expect.stringMatching(/prev does not match line 1/) } });
      await b.transaction((tx) => b.log.append(tx, [{ type: 'x' }]));
      const c = await PgStore.open({ url: pg.url, node: 'zeta', clock });
      await c.transaction((tx) => c.log.append(tx, [{ type: 'event.received', id: 1 }]));
      await pg.sql(`SET session_replication_role = replica; UPDATE log_entries SET seq = 7 WHERE node = 'zeta'`);
      expect((await verifyPgLog(c.pool, 'zeta'))[0]).toMatchObject({ ok: false, firstBad: { line: 1, reason: "the row's seq or hash column disagrees with its line" } });
      await c.close();
    } finally {
      await b.close();
    }
  });
  it('a day read for vigil log keeps each chain in its own order, even where its clock stepped back, and interleaves the chains by time', async () => {
    const clock = new FakeClock(Date.parse('2026-03-05T10:00:00Z'));
    const a = await PgStore.open({ url: pg.url, node: 'order-a', clock });
    const b = await PgStore.open({ url: pg.url, node: 'order-b', clock });
    try {
      const write = (store: PgStore, n: number) => store.transaction((tx) => store.log.append(tx, [{ type: 'tick.skipped', n }]));
      await write(a, 1);
      clock.advance(2000);
      await write(a, 2);
      // Another process of node a, its clock a second behind: seq 3 with an earlier ts.
      clock.advance(-1000);
      await write(a, 3);
      clock.advance(500);
      await write(b, 4);
      const day = await readPgLogDay(a.pool, '2026-03-05');
      expect(day.filter((e) => e.node.startsWith('order-')).map((e) => [e.node, e.seq, e.n])).toEqual([
        ['order-a', 1, 1], ['order-b', 1, 4], ['order-a', 2, 2], ['order-a', 3, 3],
      ]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

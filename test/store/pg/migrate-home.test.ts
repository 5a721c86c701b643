/**
 * `vigil migrate`'s copy in process against a real cluster (issue 19): what it does with
 * a home's rough edges — a claimed event, an unterminated last log line, kept memory
 * versions — what it refuses rather than copy part of (an action left running, a line
 * torn mid-day, a memory file over the limit), that a refused copy writes nothing, and
 * that a second run notices a copy changed since.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock, localDate } from '../../../src/clock.js';
import { DailyLog } from '../../../src/logs/daily-log.js';
import { MemoryFiles, memoryVersions } from '../../../src/memory/index.js';
import { secretMask } from '../../../src/secrets/index.js';
import { migrateHome, Store } from '../../../src/store/index.js';
import { openPgPool } from '../../../src/store/pg/index.js';
import { writePgMemory, type PgMemoryChange } from '../../../src/store/pg/memory.js';
import { postgresAvailability, usePostgres } from '../../helpers/postgres.js';

const PG = postgresAvailability();
const T0 = Date.parse('2026-04-02T09:00:00Z');
const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

interface Home {
  dir: string;
  paths: { db: string; logs: string; memory: string };
}

/** A home with two events (the second claimed, as a daemon stopped mid-decision leaves it), a day of log and a memory file with a kept version. */
async function makeHome(): Promise<Home> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-migrate-home-'));
  dirs.push(dir);
  const paths = { db: path.join(dir, 'vigil.db'), logs: path.join(dir, 'logs'), memory: path.join(dir, 'memory') };
  const clock = new FakeClock(T0);
  const store = Store.open(paths.db);
  store.inbox.add({ source: 'github', kind: 'github.issues.opened', deliveryId: 'd-1', payload: '{"issue":{"title":"walrus"}}', receivedAt: T0 });
  store.inbox.add({ source: 'github', kind: 'github.push', deliveryId: 'd-2', payload: '{"ref":"refs/heads/main"}', receivedAt: T0 + 1 });
  store.inbox.claimNext(T0 + 2, 60_000);
  store.inbox.claimNext(T0 + 2, 60_000);
  store.close();
  const log = new DailyLog({ dir: paths.logs, clock, mask: secretMask() });
  log.appendMany([{ type: 'daemon.started' }, { type: 'event.received', eventId: 1 }]);
  log.close();
  const files = new MemoryFiles(paths.memory, undefined, clock);
  await files.write('MEMORY.md', '# Memory\n- first\n');
  clock.advance(1000);
  await files.write('MEMORY.md', '# Memory\n- second\n');
  return { dir, paths };
}

describe.runIf(PG.available)('vigil migrate in process (real PostgreSQL)', () => {
  const pg = usePostgres('migrate_home');
  let n = 0;
  const freshDb = async () => pg.cluster.createDatabase(`copy_${++n}`);
  const run = (home: Home, url: string) =>
    migrateHome({ paths: home.paths, url, node: 'alpha', progress: () => undefined, memory: () => memoryVersions(home.paths.memory) });
  const rows = async (url: string, sql: string) => {
    const name = new URL(url).pathname.slice(1);
    return (await pg.cluster.admin(sql, [], name)).rows;
  };

  it('copies a claimed event as pending, leaves an unterminated last line out and says so, keeps memory versions; a second run notices an edit', async () => {
    const home = await makeHome();
    const day = localDate(T0);
    fs.appendFileSync(path.join(home.paths.logs, `${day}.jsonl`), '{"ts":"2026-04-02T09:00:05');
    const url = await freshDb();
    const report = await run(home, url);
    expect(report).toMatchObject({ outcome: 'copied', inbox: { rows: 2 }, log: { rows: 2, days: 1, chainsVerified: 1, droppedTornTails: [day] }, memory: { rows: 2, files: 1 } });
    expect(await rows(url, 'SELECT id, state, claimed_by, attempts FROM inbox ORDER BY id')).toEqual([
      { id: '1', state: 'pending', claimed_by: null, attempts: 1 },
      { id: '2', state: 'pending', claimed_by: null, attempts: 1 },
    ]);
    expect(await rows(url, 'SELECT version, content FROM memory_files ORDER BY version')).toEqual([
      { version: 1, content: '# Memory\n- first\n' },
      { version: 2, content: '# Memory\n- second\n' },
    ]);
    // The next delivery a node takes gets a new id, after the copied ones.
    await rows(url, `INSERT INTO inbox (source, kind, body, received_at, received_by) VALUES ('github', 'github.ping', '\\x7b7d', 1, 'beta')`);
    expect(await rows(url, `SELECT id FROM inbox WHERE kind = 'github.ping'`)).toEqual([{ id: '3' }]);
    await expect(run(home, url)).rejects.toMatchObject({ code: 'VIGIL_ERR_MIGRATE_TARGET', message: expect.stringMatching(/inbox: 3 rows, the home has 2/) });
  });

  it('a second run into an untouched copy checks it again; an edited row is found', async () => {
    const home = await makeHome();
    const url = await freshDb();
    expect((await run(home, url)).outcome).toBe('copied');
    expect((await run(home, url)).outcome).toBe('already');
    await rows(url, `UPDATE inbox SET kind = 'github.issues.closed' WHERE id = 1`);
    await expect(run(home, url)).rejects.toMatchObject({
      code: 'VIGIL_ERR_MIGRATE_TARGET',
      message: expect.stringMatching(/holds something else than this home: inbox: the rows differ from the home's; copy into an empty database$/),
    });
  });

  it('refuses, writing nothing: an action left running, a line torn mid-day, a memory file over 100 KB', async () => {
    const running = await makeHome();
    const db = Store.open(running.paths.db);
    db.db.prepare(`INSERT INTO actions (id, action, params, state, verdict, created_at, updated_at) VALUES ('a1', 'github.label', '{}', 'running', 'allow', 1, 1)`).run();
    db.close();
    const torn = await makeHome();
    const file = path.join(torn.paths.logs, `${localDate(T0)}.jsonl`);
    fs.appendFileSync(file, '{"ts":"torn');
    // The next writer terminates the torn line and names it with log.torn: the day verifies, but holds a line that is no entry.
    const reopened = new DailyLog({ dir: torn.paths.logs, clock: new FakeClock(T0 + 5000), mask: secretMask() });
    reopened.append({ type: 'daemon.started' });
    reopened.close();
    const big = await makeHome();
    fs.writeFileSync(path.join(big.paths.memory, 'MEMORY.md'), 'x'.repeat(100 * 1024 + 1));
    for (const [home, why] of [
      [running, /1 actions were running when the home stopped/],
      [torn, /lines 3 were torn by a crash; the team's log keeps entries only/],
      [big, /memory\/MEMORY\.md: 102401 bytes, over the 102400 a memory file holds/],
    ] as const) {
      const url = await freshDb();
      await expect(run(home, url)).rejects.toMatchObject({ code: 'VIGIL_ERR_MIGRATE_SOURCE', message: expect.stringMatching(why) });
      // Refused before the database was touched, or rolled back with the copy's transaction.
      if ((await rows(url, `SELECT to_regclass('public.inbox') AS t`))[0]!.t === null) continue;
      for (const table of ['inbox', 'decisions', 'actions', 'memory_files', 'log_entries']) {
        expect(await rows(url, `SELECT count(*)::int AS n FROM ${table}`), table).toEqual([{ n: 0 }]);
      }
    }
  });
  it('a memory write of several files is all or none: a second file over the limit leaves the first unwritten', async () => {
    const home = await makeHome();
    const url = await freshDb();
    await run(home, url);
    const pool = openPgPool({ url, node: 'writer' });
    try {
      const write = (changes: PgMemoryChange[]) => writePgMemory(pool, 'writer', T0 + 10_000, () => changes);
      await expect(write([{ path: 'MEMORY.md', content: '# Memory\n- third\n' }, { path: 'topics/big.md', content: 'x'.repeat(100 * 1024 + 1) }]))
        .rejects.toMatchObject({ code: 'VIGIL_ERR_MEMORY_COMMAND' });
      expect(await rows(url, 'SELECT path, version FROM memory_files ORDER BY path, version')).toEqual([{ path: 'MEMORY.md', version: 1 }, { path: 'MEMORY.md', version: 2 }]);
      expect(await write([{ path: 'MEMORY.md', content: '# Memory\n- third\n' }, { path: 'topics/a.md', content: '# a\n' }, { path: 'MEMORY.md', content: '# Memory\n- third\n' }])).toEqual(['MEMORY.md', 'topics/a.md']);
      expect(await rows(url, `SELECT path, version, written_by FROM memory_files WHERE written_at = ${T0 + 10_000} ORDER BY path`)).toEqual([
        { path: 'MEMORY.md', version: 3, written_by: 'writer' },
        { path: 'topics/a.md', version: 1, written_by: 'writer' },
      ]);
    } finally {
      await pool.end();
    }
  });
});

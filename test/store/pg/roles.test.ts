import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/clock.js';
import { VigilError } from '../../../src/errors.js';
import { ADVISORY_CLASS, ROLES, type RoleName } from '../../../src/store/pg/advisory.js';
import { migratePg, openPgPool, PG_MIGRATIONS, PgStore, roleHolders } from '../../../src/store/pg/index.js';
import { postgresAvailability, usePostgres } from '../../helpers/postgres.js';

const PG = postgresAvailability();
const T0 = Date.parse('2026-03-02T10:00:00Z');
const LEASE_SECONDS = 30;
const RETRY_MS = 100;

/** A node whose role events resolve promises, so the test waits on them, not on sleeps. */
async function roleNode(url: string, name: string) {
  const waiters: Array<{ kind: 'gained' | 'lost'; role: RoleName; resolve: () => void }> = [];
  const seen: string[] = [];
  const fire = (kind: 'gained' | 'lost', role: RoleName) => {
    seen.push(`${kind} ${role}`);
    for (const w of waiters.filter((x) => x.kind === kind && x.role === role)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  const store = await PgStore.open({
    url, node: name, clock: new FakeClock(T0), leaseSeconds: LEASE_SECONDS, roleRetryMs: RETRY_MS,
    roleEvents: { gained: (role) => fire('gained', role), lost: (role) => fire('lost', role) },
  });
  const next = (kind: 'gained' | 'lost', role: RoleName) => new Promise<void>((resolve) => waiters.push({ kind, role, resolve }));
  return { store, seen, next };
}

describe.runIf(PG.available)('the team store: single-holder roles by advisory lock, with failover (real PostgreSQL)', () => {
  const pg = usePostgres('roles');

  it('one holder at a time; when the holder\'s backends are terminated another node takes the role within the lease', async () => {
    const a = await roleNode(pg.url, 'node-a');
    const b = await roleNode(pg.url, 'node-b');
    try {
      // a takes the role once and does not retry: after its backends are terminated it
      // plays a dead node (a live one would race b for the role again, and may win).
      expect(await a.store.roles.tryAcquire('tick')).toBe(true);
      b.store.roles.keep('tick');
      b.store.roles.keep('dreamer');
      await b.next('gained', 'dreamer');
      // b has tried for tick several times by now (every 100 ms) and must not hold it.
      await new Promise((r) => setTimeout(r, 5 * RETRY_MS));
      expect([a.store.roles.holds('tick'), b.store.roles.holds('tick')]).toEqual([true, false]);
      expect(await b.store.roles.confirm('tick')).toBe(false);
      expect(await a.store.roles.confirm('tick')).toBe(true);
      expect((await roleHolders(a.store.pool)).map((h) => [h.role, h.node]).sort()).toEqual([['dreamer', 'node-b'], ['tick', 'node-a']]);

      const bGained = b.next('gained', 'tick');
      const aLost = a.next('lost', 'tick');
      const killedAt = performance.now();
      const { rows } = await pg.cluster.admin<{ ok: boolean }>(
        `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'vigil:node-a'`,
      );
      expect(rows.length).toBeGreaterThan(0);
      await Promise.all([bGained, aLost]);
      const failoverMs = performance.now() - killedAt;
      expect(failoverMs).toBeLessThan(LEASE_SECONDS * 1000);
      console.info(`role failover after pg_terminate_backend: ${Math.round(failoverMs)} ms (retry every ${RETRY_MS} ms)`);
      expect((await roleHolders(b.store.pool)).map((h) => [h.role, h.node]).sort()).toEqual([['dreamer', 'node-b'], ['tick', 'node-b']]);
      // a, back on its feet, is refused while b holds it.
      expect(a.store.roles.holds('tick')).toBe(false);
      expect(await a.store.roles.tryAcquire('tick')).toBe(false);

      await b.store.nodes.heartbeat(['dreamer', 'tick']);
      expect((await b.store.nodes.list()).find((n) => n.name === 'node-b')).toMatchObject({ alive: true, holds: { roles: ['dreamer', 'tick'], events: 0, actions: 0 } });
    } finally {
      await a.store.close();
      await b.store.close();
    }
  });

  it('a holder killed with SIGKILL: the database frees its role and a node takes it', async () => {
    // The holder is another process with its own connection, as another node would be.
    const pgPath = createRequire(import.meta.url).resolve('pg');
    const script = `
      const pg = require(${JSON.stringify(pgPath)});
      const c = new pg.Client({ connectionString: process.argv[1], application_name: 'vigil:doomed' });
      c.connect().then(() => c.query('SELECT pg_try_advisory_lock($1, $2) AS got', [${ADVISORY_CLASS}, ${ROLES.redelivery}]))
        .then((r) => { process.stdout.write(r.rows[0].got ? 'held\\n' : 'refused\\n'); setInterval(() => {}, 1000); });`;
    const holder = spawn(process.execPath, ['-e', script, pg.url], { stdio: ['ignore', 'pipe', 'inherit'] });
    const b = await roleNode(pg.url, 'survivor');
    try {
      const said = await new Promise<string>((resolve) => holder.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())));
      expect(said).toBe('held');
      expect(await b.store.roles.tryAcquire('redelivery')).toBe(false);
      const gained = b.next('gained', 'redelivery');
      b.store.roles.keep('redelivery');
      const killedAt = performance.now();
      holder.kill('SIGKILL');
      await gained;
      const failoverMs = performance.now() - killedAt;
      expect(failoverMs).toBeLessThan(LEASE_SECONDS * 1000);
      console.info(`role failover after SIGKILL of the holder: ${Math.round(failoverMs)} ms`);
    } finally {
      holder.kill('SIGKILL');
      await b.store.close();
    }
  });

  it('migrations: nodes opening a fresh database together migrate it once; a migration this vigil does not know is refused', async () => {
    const url = await pg.cluster.createDatabase('roles_migrations');
    const stores = await Promise.all(['m1', 'm2', 'm3'].map((node) => PgStore.open({ url, node })));
    await Promise.all(stores.map((s) => s.close()));
    const { rows } = await pg.cluster.admin<{ id: string }>('SELECT id FROM _migrations ORDER BY id', [], 'roles_migrations');
    // Ids are a set, applied in the array's order: compared here in the order of the query.
    expect(rows.map((r) => r.id)).toEqual(PG_MIGRATIONS.map((m) => m.id).sort());
    await pg.cluster.admin(`INSERT INTO _migrations (id, applied_at) VALUES ('pg-999-from-the-future', 0)`, [], 'roles_migrations');
    const pool = openPgPool({ url, node: 'old' });
    try {
      const refused = await migratePg(pool).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(VigilError);
      expect(refused).toMatchObject({ code: 'VIGIL_ERR_MIGRATION', message: expect.stringContaining('pg-999-from-the-future') });
    } finally {
      await pool.end();
    }
  });
});

/** Applies the team store's migrations (migrations.ts, the list) to a database. */
import type pg from 'pg';
import { VigilError } from '../../errors.js';
import { ADVISORY_CLASS, MIGRATION_LOCK } from './advisory.js';
import { withTransaction, type Queryable } from './connect.js';
import { PG_MIGRATIONS, type PgMigration } from './migrations.js';

/**
 * Brings the database to PG_MIGRATIONS. Nodes starting together take turns on a
 * transaction-scoped advisory lock, so each migration runs once.
 */
export async function migratePg(pool: pg.Pool, migrations: readonly PgMigration[] = PG_MIGRATIONS): Promise<void> {
  await withTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [ADVISORY_CLASS, MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS _migrations (id text PRIMARY KEY, applied_at bigint NOT NULL)');
    const applied = new Set((await client.query<{ id: string }>('SELECT id FROM _migrations')).rows.map((r) => r.id));
    const known = new Set(migrations.map((m) => m.id));
    const unknown = [...applied].filter((id) => !known.has(id));
    if (unknown.length) throw new VigilError('VIGIL_ERR_MIGRATION', `unknown migrations ${unknown.join(', ')}`);
    for (const migration of migrations) {
      if (applied.has(migration.id)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO _migrations (id, applied_at) VALUES ($1, $2)', [migration.id, Date.now()]);
    }
  });
}

/**
 * Whether any node has migrated this database yet. The CLI's readers migrate nothing: on a
 * database no node has started on, they read an empty team instead of failing on a table
 * that is not there yet.
 */
export async function isMigrated(db: Queryable): Promise<boolean> {
  return (await db.query<{ migrated: boolean }>(`SELECT to_regclass('_migrations') IS NOT NULL AS migrated`)).rows[0]!.migrated;
}

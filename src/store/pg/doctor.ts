/**
 * What `vigil doctor` reads of a team's database (issue 19): whether it answers, which of
 * this vigil's migrations it holds, how much room it takes, the last delivery a node took
 * in, the browsers subscribed to web push, every node's log chain and refused deliveries. One connection,
 * read only: a doctor never migrates, registers no node and takes no lock.
 */
import pg from 'pg';
import { connectionConfig } from './connect.js';
import { verifyPgLog, type ChainVerifyResult } from './log.js';
import { isMigrated } from './migrate.js';
import { PG_MIGRATIONS } from './migrations.js';
import { readRejections } from './rejections.js';
import type { WebhookRejectionLog } from '../kv-keys.js';

/** A doctor waits this long for the server: an address nobody answers at is a failure, not a hang. */
const CONNECT_TIMEOUT_MS = 5000;

export interface TeamHealth {
  /** `server_version`'s number, e.g. "16.4". */
  server: string;
  /** Whether any node has migrated it (a database no node started on has no tables yet). */
  migrated: boolean;
  /** This vigil's migrations it has not applied yet (the next `vigil start` applies them). */
  pending: string[];
  /** Migrations it holds that this vigil does not know: a newer vigil wrote it. */
  unknown: string[];
  /** How many this vigil knows. */
  known: number;
}

export interface TeamSizes {
  /** `pg_database_size`: everything the team keeps, indexes and all. */
  database: number;
  inbox: number;
  log: number;
  memory: number;
}

export interface LastTeamDelivery {
  kind: string;
  id: string | null;
  at: number;
  /** The node that took it in. */
  node: string;
}

export interface TeamDoctorReader {
  /** Throws when the server cannot be reached or refuses the login. */
  health(): Promise<TeamHealth>;
  sizes(): Promise<TeamSizes>;
  /** The GitHub delivery received last, by arrival time — by `node`, or by any node. */
  lastDelivery(node?: string): Promise<LastTeamDelivery | undefined>;
  subscriptionCount(): Promise<number>;
  /** Every node's chain of every day. */
  verifyLog(): Promise<ChainVerifyResult[]>;
  /** Every node's refused deliveries as each last saved them (rejections.ts). */
  rejections(): Promise<WebhookRejectionLog[]>;
  close(): Promise<void>;
}

export function openTeamDoctorReader(url: string): TeamDoctorReader {
  const pool = new pg.Pool({ ...connectionConfig({ url, node: 'doctor' }), max: 1, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  pool.on('error', () => {});
  let migrated: boolean | undefined;
  const ifMigrated = async <T>(empty: T, read: () => Promise<T>): Promise<T> => {
    migrated ??= await isMigrated(pool);
    return migrated ? read() : empty;
  };
  return {
    async health() {
      // "15.18 (Debian 15.18-0+deb12u1)": the version is the first word.
      const server = (await pool.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version.split(' ')[0]!;
      migrated = await isMigrated(pool);
      if (!migrated) return { server, migrated, pending: PG_MIGRATIONS.map((m) => m.id), unknown: [], known: PG_MIGRATIONS.length };
      const applied = new Set((await pool.query<{ id: string }>('SELECT id FROM _migrations')).rows.map((r) => r.id));
      const known = new Set(PG_MIGRATIONS.map((m) => m.id));
      return {
        server,
        migrated,
        pending: PG_MIGRATIONS.filter((m) => !applied.has(m.id)).map((m) => m.id),
        unknown: [...applied].filter((id) => !known.has(id)).sort(),
        known: known.size,
      };
    },
    async sizes() {
      const database = (await pool.query<{ n: number }>('SELECT pg_database_size(current_database())::int8 AS n')).rows[0]!.n;
      const table = async (name: string) =>
        (await pool.query<{ n: number | null }>('SELECT pg_total_relation_size(to_regclass($1))::int8 AS n', [name])).rows[0]!.n ?? 0;
      return { database, inbox: await table('inbox'), log: await table('log_entries'), memory: await table('memory_files') };
    },
    lastDelivery: (node) =>
      ifMigrated(undefined, async () => {
        // One pass over the inbox, for a command run by hand, as on SQLite (src/store/inbox.ts lastDelivery).
        const row = (await pool.query<{ kind: string; id: string | null; at: number; node: string }>(
          `SELECT kind, delivery_id AS id, received_at AS at, received_by AS node FROM inbox
           WHERE source = 'github' AND ($1::text IS NULL OR received_by = $1) ORDER BY received_at DESC, id DESC LIMIT 1`,
          [node ?? null],
        )).rows[0];
        return row ? { kind: row.kind, id: row.id, at: row.at, node: row.node } : undefined;
      }),
    subscriptionCount: () => ifMigrated(0, async () => (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM push_subscriptions')).rows[0]!.n),
    verifyLog: () => ifMigrated<ChainVerifyResult[]>([], () => verifyPgLog(pool)),
    rejections: () => ifMigrated<WebhookRejectionLog[]>([], async () => (await readRejections(pool)).map((r) => r.log)),
    close: () => pool.end().catch(() => undefined),
  };
}

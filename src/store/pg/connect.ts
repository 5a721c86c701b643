/**
 * The team store's connections (issue 19): one `pg` pool per node. Every connection
 * names its node (`application_name`, which `pg_stat_activity` shows beside the advisory
 * locks it holds) and commits with `synchronous_commit` on whatever the cluster's default:
 * an acknowledged delivery is on the server's disk, not in its memory.
 */
import pg from 'pg';
import { errorText, VigilError } from '../../errors.js';

const INT8_OID = 20;

/**
 * `bigint` columns (ids, epoch-ms times) come back as numbers, not strings; a value
 * beyond 2^53 would lose digits, so it is refused loudly instead.
 */
function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new VigilError('VIGIL_ERR_STORE', `a bigint beyond 2^53 came back from PostgreSQL: ${text}`);
  return n;
}

const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return parseInt8;
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

export interface PgPoolOptions {
  /** `postgres://…` */
  url: string;
  /** This node's name (the host name by default in the daemon). */
  node: string;
  /** Connections at most. */
  max?: number;
}

/** Node names reach SQL only as parameters, but also `application_name`: keep them plain. */
export function checkNodeName(node: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(node)) {
    throw new VigilError('VIGIL_ERR_CONFIG', `node name ${JSON.stringify(node)}: use 1–63 letters, digits, ".", "_" or "-"`);
  }
  return node;
}

/** What every connection of a node says when it connects (its pool's and its role locks'). */
export function connectionConfig(options: PgPoolOptions): pg.ClientConfig {
  return {
    connectionString: options.url,
    application_name: `vigil:${checkNodeName(options.node)}`,
    options: '-c synchronous_commit=on',
    keepAlive: true,
    types,
  };
}

export function openPgPool(options: PgPoolOptions): pg.Pool {
  const pool = new pg.Pool({ ...connectionConfig(options), max: options.max ?? 8 });
  // An idle connection the server dropped (a restart, pg_terminate_backend) is an event
  // on the pool, not a crash of the node: the pool replaces it on the next checkout.
  pool.on('error', () => {});
  return pool;
}

export type Queryable = pg.Pool | pg.PoolClient;

/** The connection a transaction runs on (`withTransaction`'s callback gets it). */
export type PgTx = pg.PoolClient;

/**
 * One transaction on one pooled connection: `fn` runs between BEGIN and COMMIT and
 * everything it awaits uses `client`; a throw rolls back. Unlike SQLite's synchronous
 * transactions other work may run meanwhile, which is why every claim is guarded by
 * row locks, leases or unique keys.
 */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    throw new VigilError('VIGIL_ERR_STORE', `PostgreSQL: ${errorText(err)}`, { cause: err });
  }
  let broken: unknown;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackErr) {
      // The connection itself is gone: do not hand it back to the pool.
      broken = rollbackErr;
    }
    throw err;
  } finally {
    client.release(broken instanceof Error ? broken : undefined);
  }
}

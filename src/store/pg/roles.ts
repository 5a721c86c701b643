/**
 * Single-holder roles across nodes (issue 19): the tick scheduler, the dreamer, the
 * redelivery sweep. A role is a session-level advisory lock held on a connection of its
 * own (never a pooled one, which the pool may close or share). The database releases it
 * when that connection ends — the node exited, was killed, or its backend was terminated —
 * and another node's next try takes it. A holder whose host vanished without closing its
 * socket is found by the server's TCP keepalives and user timeout (set on the role's
 * connection), about 11 s, well within `store.leaseSeconds` (30).
 *
 * Failover therefore takes at most the server's detection plus one `retryMs` (a third of
 * the lease by default). Work a role does should be fenced too (a unique key per tick
 * slot, say): `confirm` asks the database whether this node still holds it.
 */
import pg from 'pg';
import { ADVISORY_CLASS, ROLES, type RoleName } from './advisory.js';
import { connectionConfig, type PgPoolOptions } from './connect.js';

export interface RoleEvents {
  /** This node now holds the role. */
  gained(role: RoleName): void;
  /** This node no longer holds it (its connection ended or a confirm failed). */
  lost(role: RoleName, why: string): void;
}

interface Held {
  client: pg.Client;
  /** The server process of the role's connection: pg_locks names it as the lock's holder. */
  backend: number;
}

export class PgRoles {
  private readonly held = new Map<RoleName, Held>();
  private readonly loops = new Map<RoleName, NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly options: PgPoolOptions,
    private readonly events: RoleEvents,
    /** How often a node that does not hold a role tries to take it, and a holder confirms it. */
    private readonly retryMs: number,
  ) {}

  holds(role: RoleName): boolean {
    return this.held.has(role);
  }

  /** The backend holding `role` for this node, while it does (a dream's record of who dreams names it: src/store/pg/dream.ts). */
  backendOf(role: RoleName): number | undefined {
    return this.held.get(role)?.backend;
  }

  /** One try: true when this node holds the role afterwards. */
  async tryAcquire(role: RoleName): Promise<boolean> {
    if (this.held.has(role)) return true;
    if (this.closed) return false;
    const client = new pg.Client(connectionConfig(this.options));
    // An error on an idle connection (its backend terminated) arrives as an event.
    client.on('error', () => {});
    let backend: number;
    try {
      await client.connect();
      await client.query(`SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 2; SET tcp_keepalives_count = 3; SET tcp_user_timeout = 10000`);
      const { rows } = await client.query<{ got: boolean; backend: number }>('SELECT pg_try_advisory_lock($1, $2) AS got, pg_backend_pid() AS backend', [ADVISORY_CLASS, ROLES[role]]);
      if (!rows[0]?.got || this.closed) {
        await client.end().catch(() => {});
        return false;
      }
      backend = rows[0].backend;
    } catch {
      await client.end().catch(() => {});
      return false;
    }
    this.held.set(role, { client, backend });
    client.once('end', () => void this.drop(role, client, 'its database connection ended'));
    this.events.gained(role);
    return true;
  }

  /** Asks the database whether this node still holds the role (fence a role's work with it). */
  async confirm(role: RoleName): Promise<boolean> {
    const held = this.held.get(role);
    if (!held) return false;
    try {
      const { rows } = await held.client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_locks
         WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND objsubid = 2 AND pid = pg_backend_pid() AND granted`,
        [ADVISORY_CLASS, ROLES[role]],
      );
      if (rows[0]?.n === 1) return true;
      await this.drop(role, held.client, 'the database no longer shows its lock');
    } catch (err) {
      await this.drop(role, held.client, `its connection failed: ${(err as Error).message}`);
    }
    return false;
  }

  /**
   * Keeps trying to hold `role`: tries now and then every `retryMs`; while held, confirms
   * it as often. Events tell the node when it gains or loses it.
   */
  keep(role: RoleName): void {
    if (this.loops.has(role) || this.closed) return;
    const step = async () => {
      if (this.closed) return;
      if (this.held.has(role)) await this.confirm(role);
      else await this.tryAcquire(role);
      if (!this.closed && this.loops.has(role)) this.loops.set(role, setTimeout(() => void step(), this.retryMs).unref());
    };
    this.loops.set(role, setTimeout(() => void step(), 0).unref());
  }

  /** Gives the role up (the lock goes with its connection). */
  async release(role: RoleName): Promise<void> {
    const timer = this.loops.get(role);
    if (timer) clearTimeout(timer);
    this.loops.delete(role);
    const held = this.held.get(role);
    if (held) await this.drop(role, held.client, 'released');
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...new Set([...this.loops.keys(), ...this.held.keys()])].map((role) => this.release(role)));
  }

  private async drop(role: RoleName, client: pg.Client, why: string): Promise<void> {
    if (this.held.get(role)?.client !== client) return;
    this.held.delete(role);
    this.events.lost(role, why);
    await client.end().catch(() => {});
  }
}

export interface RoleHolder {
  role: RoleName;
  node: string;
  pid: number;
}

/** Who holds each role now, from the database itself (pg_locks and the holder's application_name). */
export async function roleHolders(db: pg.Pool | pg.PoolClient): Promise<RoleHolder[]> {
  const { rows } = await db.query<{ objid: number; application_name: string; pid: number }>(
    `SELECT l.objid::int AS objid, a.application_name, l.pid
     FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.objsubid = 2 AND l.granted`,
    [ADVISORY_CLASS],
  );
  const byKey = new Map<number, RoleName>(Object.entries(ROLES).map(([name, key]) => [key, name as RoleName]));
  return rows.flatMap((r) => {
    const role = byKey.get(r.objid);
    return role ? [{ role, node: r.application_name.replace(/^vigil:/, ''), pid: r.pid }] : [];
  });
}

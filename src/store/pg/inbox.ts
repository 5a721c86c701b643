/**
 * The team store's inbox (issue 19): a delivery's body lives in its row, written in the
 * same transaction as the row and its log records, so one commit (synchronous_commit on)
 * makes the whole delivery durable — no spool beside it. Events are claimed with leases
 * by any node (leases.ts) and decided once: `markDecided` succeeds only for the node that
 * still holds the event's lease.
 */
import type pg from 'pg';
import type { Clock } from '../../clock.js';
import { withTransaction, type Queryable } from './connect.js';
import { claimGroup, type GroupWindow } from './inbox-groups.js';
import { claimRows, INBOX_LEASES, releaseRow, renewRows, stillHeld, type Lease } from './leases.js';

export type PgInboxState = 'pending' | 'claimed' | 'decided' | 'filtered';

export interface NewDelivery {
  source: string;
  kind: string;
  deliveryId?: string;
  /** The body exactly as received. */
  body: Buffer;
  /** 16 hex digits of the body's digest: a body stored before under another id is a replay. */
  bodyDigest?: string;
  receivedAt: number;
  state?: 'pending' | 'filtered';
  /** The subject it is decided together on (`coalesceKey`, src/initiative/coalesce.ts), if any. */
  coalesceKey?: string;
}

/** `inserted: false`: the delivery id was stored before (`id` is its event), or with `replayOf` its body was. */
export interface PgAddResult {
  id: number;
  inserted: boolean;
  replayOf?: number;
}

export interface PgEvent {
  id: number;
  source: string;
  kind: string;
  deliveryId: string | null;
  body: Buffer;
  receivedAt: number;
  receivedBy: string;
  state: PgInboxState;
  claimedBy: string | null;
  leaseUntil: number | null;
  attempts: number;
}

interface Row {
  id: number;
  source: string;
  kind: string;
  delivery_id: string | null;
  body: Buffer;
  received_at: number;
  received_by: string;
  state: PgInboxState;
  claimed_by: string | null;
  lease_until: number | null;
  attempts: number;
}

const toEvent = (r: Row): PgEvent => ({
  id: r.id,
  source: r.source,
  kind: r.kind,
  deliveryId: r.delivery_id,
  body: r.body,
  receivedAt: r.received_at,
  receivedBy: r.received_by,
  state: r.state,
  claimedBy: r.claimed_by,
  leaseUntil: r.lease_until,
  attempts: r.attempts,
});

export class PgInbox {
  private readonly lease: Lease;

  constructor(
    private readonly pool: pg.Pool,
    node: string,
    private readonly clock: Clock,
    leaseSeconds: number,
  ) {
    this.lease = { node, leaseMs: leaseSeconds * 1000 };
  }

  /**
   * Stores a group of deliveries in the caller's transaction (group commit: one
   * transaction, one fsync, for all the deliveries of a loop turn). A delivery id or body
   * stored before is not stored again. Results are in the order of `deliveries`.
   *
   * The deliveries with an id that nothing earlier in the group shares (by id or body) go
   * in one statement — one round trip, not one per delivery; the rest (no id, or a repeat
   * within the group) follow one by one, in order, so a repeat meets its first as stored.
   */
  async addDeliveries(client: pg.PoolClient, deliveries: readonly NewDelivery[]): Promise<PgAddResult[]> {
    const results: PgAddResult[] = new Array<PgAddResult>(deliveries.length);
    const ids = new Set<string>();
    const digests = new Set<string>();
    const bulk: number[] = [];
    const oneByOne: number[] = [];
    deliveries.forEach((d, i) => {
      const repeat = d.deliveryId === undefined || ids.has(d.deliveryId) || (d.bodyDigest !== undefined && digests.has(d.bodyDigest));
      (repeat ? oneByOne : bulk).push(i);
      if (d.deliveryId !== undefined) ids.add(d.deliveryId);
      if (d.bodyDigest !== undefined) digests.add(d.bodyDigest);
    });
    if (bulk.length) await this.insertBulk(client, bulk.map((i) => deliveries[i]!), bulk, results);
    for (const i of oneByOne) results[i] = await this.insertOne(client, deliveries[i]!);
    return results;
  }

  /** Deliveries whose ids and digests are all distinct: a row that is not inserted met one stored before. */
  private async insertBulk(client: pg.PoolClient, group: NewDelivery[], at: number[], results: PgAddResult[]): Promise<void> {
    const { rows } = await client.query<{ id: number; delivery_id: string }>(
      `INSERT INTO inbox (source, kind, delivery_id, body, body_digest, received_at, received_by, state, coalesce_key)
       SELECT source, kind, delivery_id, body, body_digest, received_at, $7, state, coalesce_key
       FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $5::text[], $6::bigint[], $8::text[], $9::text[])
         AS d(source, kind, delivery_id, body, body_digest, received_at, state, coalesce_key)
       ON CONFLICT DO NOTHING RETURNING id, delivery_id`,
      [
        group.map((d) => d.source),
        group.map((d) => d.kind),
        group.map((d) => d.deliveryId),
        group.map((d) => d.body),
        group.map((d) => d.bodyDigest ?? null),
        group.map((d) => d.receivedAt),
        this.lease.node,
        group.map((d) => d.state ?? 'pending'),
        group.map((d) => d.coalesceKey ?? null),
      ],
    );
    const inserted = new Map(rows.map((r) => [r.delivery_id, r.id]));
    for (const [k, d] of group.entries()) {
      const id = inserted.get(d.deliveryId!);
      results[at[k]!] = id === undefined ? await this.existing(client, d.deliveryId ?? null, d.bodyDigest ?? null) : { id, inserted: true };
    }
  }

  /** Inside the caller's transaction: an event that is no delivery (the owner's `vigil ask`), pending for any node; its id. */
  async addEvent(client: pg.PoolClient, source: string, kind: string, body: Buffer): Promise<number> {
    const { rows } = await client.query<{ id: number }>(
      `INSERT INTO inbox (source, kind, body, received_at, received_by) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [source, kind, body, this.clock.now(), this.lease.node],
    );
    return Number(rows[0]!.id);
  }

  private async insertOne(client: pg.PoolClient, d: NewDelivery): Promise<PgAddResult> {
    const digest = d.bodyDigest ?? null;
    const inserted = await client.query<{ id: number }>(
      `INSERT INTO inbox (source, kind, delivery_id, body, body_digest, received_at, received_by, state, coalesce_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT DO NOTHING RETURNING id`,
      [d.source, d.kind, d.deliveryId ?? null, d.body, digest, d.receivedAt, this.lease.node, d.state ?? 'pending', d.coalesceKey ?? null],
    );
    const row = inserted.rows[0];
    return row ? { id: row.id, inserted: true } : this.existing(client, d.deliveryId ?? null, digest);
  }

  private async existing(client: pg.PoolClient, deliveryId: string | null, digest: string | null): Promise<PgAddResult> {
    const byId = deliveryId === null ? undefined : (await client.query<{ id: number }>('SELECT id FROM inbox WHERE delivery_id = $1', [deliveryId])).rows[0];
    if (byId) return { id: byId.id, inserted: false };
    const byBody = digest === null ? undefined : (await client.query<{ id: number }>('SELECT id FROM inbox WHERE body_digest = $1', [digest])).rows[0];
    return byBody ? { id: -1, inserted: false, replayOf: byBody.id } : { id: -1, inserted: false };
  }

  /**
   * Up to `limit` events for this node: pending ones and those whose lease ran out, oldest
   * first. The claim commits without waiting for its fsync (`synchronous_commit` off for
   * this transaction only): a claim the server loses in a crash only makes the event
   * pending again, and the decision's own commit, synchronous, flushes the WAL up to and
   * past the claim before anything is decided — one fsync per decision, not two.
   */
  async claim(limit = 1): Promise<PgEvent[]> {
    return withTransaction(this.pool, async (tx) => {
      await tx.query('SET LOCAL synchronous_commit TO OFF');
      return (await claimRows<Row>(tx, INBOX_LEASES, this.lease, this.clock.now(), limit)).map(toEvent);
    });
  }

  /**
   * The oldest due group of events that belong together (inbox-groups.ts), claimed whole
   * under one lease; an event with no subject is a group of one. Empty when none is due.
   */
  async claimGroup(window: GroupWindow): Promise<PgEvent[]> {
    return (await claimGroup<Row>(this.pool, this.lease, this.clock.now(), window)).map(toEvent);
  }

  /** Extends this node's leases; returns the ids it still holds (drop the work on the others). */
  renew(ids: readonly number[]): Promise<number[]> {
    return renewRows(this.pool, INBOX_LEASES, this.lease, ids, this.clock.now());
  }

  /** Gives an event back undecided; it waits as `pending` again. */
  release(id: number): Promise<boolean> {
    return releaseRow(this.pool, INBOX_LEASES, this.lease.node, id);
  }

  /**
   * Inside the transaction that records the decision: false when this node no longer
   * holds the event (its lease ran out and another node may have it) — roll back then.
   */
  async markDecided(client: pg.PoolClient, id: number, state: 'decided' | 'filtered' = 'decided'): Promise<boolean> {
    const now = this.clock.now();
    const { rowCount } = await client.query(
      `UPDATE inbox SET state = $4, decided_at = $3, claimed_by = NULL, lease_until = NULL WHERE ${stillHeld(INBOX_LEASES)}`,
      [id, this.lease.node, now, state],
    );
    return rowCount === 1;
  }

  /**
   * `markDecided` for a coalesced group: how many of `ids` this node still held and marked.
   * Fewer than all: roll back, for another node may hold the rest.
   */
  async markAllDecided(client: pg.PoolClient, ids: readonly number[]): Promise<number> {
    const { rowCount } = await client.query(
      `UPDATE inbox SET state = 'decided', decided_at = $3, claimed_by = NULL, lease_until = NULL
       WHERE id = ANY($1::bigint[]) AND state = 'claimed' AND claimed_by = $2 AND lease_until > $3`,
      [ids, this.lease.node, this.clock.now()],
    );
    return rowCount ?? 0;
  }

  async get(id: number, db: Queryable = this.pool): Promise<PgEvent | undefined> {
    const row = (await db.query<Row>('SELECT * FROM inbox WHERE id = $1', [id])).rows[0];
    return row ? toEvent(row) : undefined;
  }

  /** These events, those the inbox still keeps (in no particular order). */
  async getMany(ids: readonly number[]): Promise<PgEvent[]> {
    if (ids.length === 0) return [];
    return (await this.pool.query<Row>('SELECT * FROM inbox WHERE id = ANY($1::bigint[])', [ids])).rows.map(toEvent);
  }
}

import type { Db } from './db.js';
import type { Spool } from './spool.js';

export type InboxState = 'pending' | 'claimed' | 'decided' | 'filtered';

export interface NewEvent {
  source: string;
  kind: string;
  deliveryId?: string;
  /** JSON text, stored as received: webhook bodies are not re-serialised. */
  payload: string;
  receivedAt: number;
}

/** `inserted: false` is a delivery id stored before (`id` is its event) or, with `replayOf`, a body stored before. */
export interface AddResult {
  id: number;
  inserted: boolean;
  replayOf?: number;
}

export interface InboxEvent extends NewEvent {
  id: number;
  state: InboxState;
  attempts: number;
}

export interface StoredDelivery {
  id: number;
  kind: string;
  deliveryId: string;
  state: InboxState;
}

export interface UnreadEvent {
  id: number;
  kind: string;
  source: string;
  payload: string;
  payload_ref: string | null;
  receivedAt: number;
}

interface Row {
  id: number;
  source: string;
  kind: string;
  delivery_id: string | null;
  payload: string;
  payload_ref: string | null;
  received_at: number;
  state: InboxState;
  attempts: number;
}

/**
 * The durable event queue. An event is claimed with a lease; the decision, its
 * proposals and `markDecided` commit in one transaction, so an event whose decider
 * died is decided again after restart — and only once.
 */
export class Inbox {
  private readonly insert;
  private readonly nextPending;
  private readonly nextExpired;
  private readonly claim;
  private readonly decided;
  private readonly idOfDelivery;
  private readonly idOfBody;
  // Prepared once: the coalescer runs these on every pass while a burst is held (issue 18).
  private readonly nextPendingExcept;
  private readonly pendingOfSource;

  constructor(
    private readonly db: Db,
    private readonly spool: Spool,
  ) {
    this.insert = db.prepare(
      `INSERT INTO inbox (source, kind, delivery_id, payload, payload_ref, received_at, state, body_digest)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT DO NOTHING`,
    );
    this.idOfDelivery = db.prepare('SELECT id FROM inbox WHERE delivery_id = ?').pluck();
    this.idOfBody = db.prepare('SELECT id FROM inbox WHERE body_digest = ?').pluck();
    // Two indexed lookups instead of one OR: with an OR SQLite scans the whole inbox,
    // and under a webhook burst that scan was the daemon's largest cost.
    this.nextPending = db.prepare(`SELECT * FROM inbox WHERE state = 'pending' ORDER BY id LIMIT 1`);
    this.nextExpired = db.prepare(
      `SELECT * FROM inbox WHERE state = 'claimed' AND lease_until <= ? ORDER BY id LIMIT 1`,
    );
    this.nextPendingExcept = db.prepare(
      `SELECT * FROM inbox WHERE state = 'pending' AND id NOT IN (SELECT value FROM json_each(?)) ORDER BY id LIMIT 1`,
    );
    this.pendingOfSource = db.prepare(`SELECT id, received_at AS receivedAt FROM inbox WHERE state = 'pending' AND source = ? ORDER BY id`);
    this.claim = db.prepare(
      `UPDATE inbox SET state = 'claimed', lease_until = ?, attempts = attempts + 1
       WHERE id = ? AND (state = 'pending' OR (state = 'claimed' AND lease_until <= ?))`,
    );
    this.decided = db.prepare(
      `UPDATE inbox SET state = ?, decided_at = ?, lease_until = NULL WHERE id = ? AND state = 'claimed'`,
    );
  }

  /** Store an event; a delivery id seen before is not stored again (`inserted: false`). */
  add(event: NewEvent, state: 'pending' | 'filtered' = 'pending'): AddResult {
    return this.insertRow({ ...event, payloadRef: null }, state, null);
  }

  /**
   * Store an event whose payload is already durable in the spool at `ref`. With
   * `bodyDigest` (16 hex digits, see migration 012), a body stored before under another
   * delivery id is not stored again either: `replayOf` names the event that holds it.
   */
  addSpooled(
    event: Omit<NewEvent, 'payload'>,
    ref: string,
    state: 'pending' | 'filtered' = 'pending',
    bodyDigest?: string,
  ): AddResult {
    return this.insertRow({ ...event, payload: '', payloadRef: ref }, state, bodyDigest === undefined ? null : digestKey(bodyDigest));
  }

  private insertRow(event: NewEvent & { payloadRef: string | null }, state: 'pending' | 'filtered', digest: bigint | null): AddResult {
    const info = this.insert.run(event.source, event.kind, event.deliveryId ?? null, event.payload, event.payloadRef, event.receivedAt, state, digest);
    if (info.changes === 1) return { id: Number(info.lastInsertRowid), inserted: true };
    const id = this.deliveryEventId(event.deliveryId ?? '');
    if (id !== undefined || digest === null) return { id: id ?? -1, inserted: false };
    return { id: -1, inserted: false, replayOf: this.idOfBody.get(digest) as number };
  }

  /** The event id of a delivery already stored, if it is. */
  deliveryEventId(deliveryId: string): number | undefined {
    return this.idOfDelivery.get(deliveryId) as number | undefined;
  }

  /** The spool record of the newest spooled event: records after it may still need a row. */
  lastSpoolRef(): string | undefined {
    const ref = this.db.prepare('SELECT payload_ref FROM inbox WHERE payload_ref IS NOT NULL ORDER BY id DESC LIMIT 1').pluck().get();
    return (ref as string | undefined) ?? undefined;
  }

  /** A row's payload text: in the row, or in the spool when the row points there. */
  payloadOf(row: { payload: string; payload_ref: string | null }): string {
    return row.payload_ref ? this.spool.read(row.payload_ref) : row.payload;
  }

  claimNext(now: number, leaseMs: number): InboxEvent | undefined {
    return this.db
      .transaction(() => {
        const pending = this.nextPending.get() as Row | undefined;
        const expired = this.nextExpired.get(now) as Row | undefined;
        const row = pending && expired ? (pending.id < expired.id ? pending : expired) : (pending ?? expired);
        if (!row) return undefined;
        this.claim.run(now + leaseMs, row.id, now);
        return this.toEvent({ ...row, state: 'claimed', attempts: row.attempts + 1 });
      })
      .immediate();
  }

  /**
   * The next claimable event, not claimed, leaving out `held` (events the coalescer
   * holds until their burst is quiet, issue 14): claim it with `claimEvents`.
   */
  peekNext(now: number, held: readonly number[]): InboxEvent | undefined {
    // Without a hold, the plain indexed lookup; a hold is a burst's ids, passed once as JSON.
    const pending = (held.length === 0 ? this.nextPending.get() : this.nextPendingExcept.get(JSON.stringify(held))) as Row | undefined;
    const expired = this.nextExpired.get(now) as Row | undefined;
    const row = pending && expired ? (pending.id < expired.id ? pending : expired) : (pending ?? expired);
    return row ? this.toEvent(row) : undefined;
  }

  /** Claim these events together (a coalesced group); those another claim took meanwhile are left out. */
  claimEvents(ids: readonly number[], now: number, leaseMs: number): InboxEvent[] {
    return this.db
      .transaction(() => ids.filter((id) => this.claim.run(now + leaseMs, id, now).changes === 1).map((id) => this.get(id)!))
      .immediate();
  }

  /** Pending events of `source`, oldest first, payload unread: the coalescer looks for siblings among them. */
  pendingOf(source: string): { id: number; receivedAt: number }[] {
    return this.pendingOfSource.all(source) as { id: number; receivedAt: number }[];
  }

  /** Call inside the transaction that records the decision. */
  markDecided(id: number, now: number, state: 'decided' | 'filtered' = 'decided'): boolean {
    return this.decided.run(state, now, id).changes === 1;
  }

  /**
   * Give a claim back without a decision (the model failed, or its circuit is open):
   * the event waits in the inbox as `pending`, exactly as if it had never been taken.
   */
  release(id: number): boolean {
    return this.db.prepare(`UPDATE inbox SET state = 'pending', lease_until = NULL WHERE id = ? AND state = 'claimed'`).run(id)
      .changes === 1;
  }

  /** At daemon start every claim belongs to a dead process: make them claimable. */
  releaseClaims(): number {
    return this.db.prepare(`UPDATE inbox SET state = 'pending', lease_until = NULL WHERE state = 'claimed'`).run()
      .changes;
  }

  get(id: number): InboxEvent | undefined {
    const row = this.db.prepare('SELECT * FROM inbox WHERE id = ?').get(id) as Row | undefined;
    return row ? this.toEvent(row) : undefined;
  }

  byDeliveryId(deliveryId: string): InboxEvent | undefined {
    const row = this.db.prepare('SELECT * FROM inbox WHERE delivery_id = ?').get(deliveryId) as Row | undefined;
    return row ? this.toEvent(row) : undefined;
  }

  /** When the first GitHub delivery was stored (ids grow with time); undefined before any. */
  firstDeliveryAt(): number | undefined {
    const row = this.db.prepare(`SELECT received_at AS at FROM inbox WHERE source = 'github' ORDER BY id LIMIT 1`).get() as { at: number } | undefined;
    return row?.at;
  }

  /** Events waiting for a decision. */
  depth(): number {
    return (this.db.prepare(`SELECT count(*) AS n FROM inbox WHERE state IN ('pending', 'claimed')`).get() as {
      n: number;
    }).n;
  }

  /**
   * The newest event that is not a tick and was not filtered — decided, or waiting to
   * be (a pending event may still be set aside): the quiet-tick rule compares it, so
   * events intake filtered or the triage set aside do not wake a tick.
   */
  lastDecidableId(): number {
    // One entry of the partial index inbox_decidable (migration 015), whose WHERE this
    // repeats word for word: without it the walk back would cross every filtered row.
    const row = this.db.prepare(`SELECT id FROM inbox WHERE source <> 'tick' AND state <> 'filtered' ORDER BY id DESC LIMIT 1`).get() as
      | { id: number }
      | undefined;
    return row?.id ?? 0;
  }

  /** When the newest event that is not a tick arrived: the owner's last sign of life in the inbox. */
  lastNonTickReceivedAt(): number | undefined {
    // Newest first by rowid: the scan stops at the first event that is not a tick.
    const row = this.db.prepare(`SELECT received_at AS at FROM inbox WHERE source <> 'tick' ORDER BY id DESC LIMIT 1`).get() as
      | { at: number }
      | undefined;
    return row?.at;
  }

  /** The GitHub deliveries stored after event `afterId`, oldest first. */
  deliveriesAfter(afterId: number): StoredDelivery[] {
    return this.db
      .prepare(`SELECT id, kind, delivery_id AS deliveryId, state FROM inbox WHERE source = 'github' AND id > ? ORDER BY id`)
      .all(afterId) as StoredDelivery[];
  }

  /**
   * Up to `limit` events after `afterId`, oldest first, with their payload unread: pass
   * a row to `payloadOf` (a damaged spool segment makes that throw, the row stays usable).
   */
  eventsAfter(afterId: number, limit: number): UnreadEvent[] {
    return this.db
      .prepare('SELECT id, kind, source, payload, payload_ref, received_at AS receivedAt FROM inbox WHERE id > ? ORDER BY id LIMIT ?')
      .all(afterId, limit) as UnreadEvent[];
  }

  lastOfKind(kind: string): InboxEvent | undefined {
    const row = this.db.prepare('SELECT * FROM inbox WHERE kind = ? ORDER BY id DESC LIMIT 1').get(kind) as
      | Row
      | undefined;
    return row ? this.toEvent(row) : undefined;
  }

  private toEvent(row: Row): InboxEvent {
    return {
      id: row.id,
      source: row.source,
      kind: row.kind,
      ...(row.delivery_id ? { deliveryId: row.delivery_id } : {}),
      payload: this.payloadOf(row),
      receivedAt: row.received_at,
      state: row.state,
      attempts: row.attempts,
    };
  }
}

/**
 * The GitHub delivery received last, read on any handle (the doctor's is read-only and
 * has no spool). By the time it arrived, not by row: rows are written in batches and
 * after restarts, so the order of ids is not the order of arrival. One pass over the
 * inbox, for a command run by hand; ties go to the row written last.
 */
export function lastDelivery(db: Db): { kind: string; id: string | null; at: number } | undefined {
  return db
    .prepare(`SELECT kind, delivery_id AS id, received_at AS at FROM inbox WHERE source = 'github' ORDER BY received_at DESC, id DESC LIMIT 1`)
    .get() as { kind: string; id: string | null; at: number } | undefined;
}

/** The digest as SQLite's signed 64-bit INTEGER: an integer key indexes cheaper than text. */
function digestKey(hex: string): bigint {
  return BigInt.asIntN(64, BigInt(`0x${hex}`));
}

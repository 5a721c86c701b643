/**
 * What a team tells its owner (issue 19), the SQLite tables of src/store/notifications.ts
 * in PostgreSQL (migration pg-007), shared by every node:
 *
 * - `notify_queue`: notices to send, each under a unique key (`approval:<id>`), queued
 *   in the transaction that made them and claimed by one node's worker under a lease
 *   (`FOR UPDATE SKIP LOCKED`), so two nodes never send the same notice; a worker that
 *   dies mid-send leaves it to the lease, and whoever takes it over skips the channels
 *   that already have it.
 * - `notify_deliveries`: one row per (key, channel) that delivered.
 * - `notify_log`: each notification's verdict (sent or held), written under one advisory
 *   lock for the whole team, so the hourly cap counts every node's sends.
 */
import type pg from 'pg';
import type { Clock } from '../../clock.js';
import { ADVISORY_CLASS, NOTIFY_CAP_LOCK } from './advisory.js';
import { withTransaction, type Queryable } from './connect.js';
import type { NotificationUrgency, NotifyLogRow, NotifyState } from '../notifications.js';
import type { NotifyTestOutcome } from '../kv-keys.js';

export type PgNoticeKind = 'approval' | 'digest' | 'test' | 'alert' | 'rule';

export interface PgNotice {
  id: number;
  key: string;
  kind: PgNoticeKind;
  payload: Record<string, unknown>;
  attempts: number;
}

/** What the team's notification log says about the last hour and what waits: the gate decides from it. */
export interface NotifyWindow {
  /** Sent (or being sent) since an hour ago. */
  sentLastHour: number;
  /** The oldest of those, when any. */
  oldestSent?: number;
  held: number;
}

export type PgAdmission = { verdict: 'send'; fresh: boolean } | { verdict: 'hold'; reason: string; fresh: boolean };

const HOUR_MS = 3_600_000;

export class PgNotify {
  private readonly leaseMs: number;

  constructor(
    private readonly pool: pg.Pool,
    /** The claims' holder (a worker: `node:w<pid>`); `node` is written beside what it sent. */
    private readonly holder: string,
    private readonly node: string,
    private readonly clock: Clock,
    leaseSeconds: number,
  ) {
    this.leaseMs = leaseSeconds * 1000;
  }

  /** Idempotent by key, inside the caller's transaction. */
  async enqueue(db: Queryable, key: string, kind: PgNoticeKind, payload: Record<string, unknown>, now: number): Promise<boolean> {
    const { rowCount } = await db.query(
      'INSERT INTO notify_queue (key, kind, payload, created_at) VALUES ($1, $2, $3::jsonb, $4) ON CONFLICT (key) DO NOTHING',
      [key, kind, JSON.stringify(payload), now],
    );
    return rowCount === 1;
  }

  /** A test notification's outcome (pg-016), for the node whose POST /api/push/test waits; a day's are kept. */
  async saveTest(key: string, result: NotifyTestOutcome): Promise<void> {
    const now = this.clock.now();
    await this.pool.query('DELETE FROM notify_tests WHERE at < $1', [now - 86_400_000]);
    await this.pool.query('INSERT INTO notify_tests (key, result, at) VALUES ($1, $2::jsonb, $3) ON CONFLICT (key) DO NOTHING', [key, JSON.stringify(result), now]);
  }

  /** The outcome of the test notification `key`, once a worker has tried it. */
  async testResult(key: string): Promise<NotifyTestOutcome | undefined> {
    const { rows } = await this.pool.query<{ result: NotifyTestOutcome }>('SELECT result FROM notify_tests WHERE key = $1', [key]);
    return rows[0]?.result;
  }

  /**
   * A browser subscribed (pg-009): each approval still waiting whose notice went out to
   * nobody — sent, not held, and no channel delivered it — is asked again, once, under
   * `approval:<id>:subscribed`. The SQLite daemon keeps such a notice queued until someone
   * can be reached; a node's worker has already logged it `notify.unreached`.
   */
  async askAgainUnreached(now: number): Promise<number> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO notify_queue (key, kind, payload, created_at)
       SELECT 'approval:' || a.id || ':subscribed', 'approval', jsonb_build_object('actionId', a.id), $1
       FROM actions a
       WHERE a.state = 'awaiting_approval' AND (a.expires_at IS NULL OR a.expires_at > $1)
         AND EXISTS (SELECT 1 FROM notify_log l WHERE l.key = 'approval:' || a.id AND l.state = 'sent')
         AND NOT EXISTS (SELECT 1 FROM notify_deliveries d WHERE d.key = 'approval:' || a.id)
       ORDER BY a.created_at
       ON CONFLICT (key) DO NOTHING`,
      [now],
    );
    return rowCount ?? 0;
  }

  /** The oldest notice nobody holds (or whose holder's lease ran out), claimed for this holder. */
  async claim(): Promise<PgNotice | undefined> {
    const now = this.clock.now();
    const { rows } = await this.pool.query<PgNotice>(
      `WITH picked AS (
         SELECT id FROM notify_queue
         WHERE done_at IS NULL AND (claimed_by IS NULL OR lease_until <= $1)
         ORDER BY id LIMIT 1
         FOR UPDATE SKIP LOCKED
       )
       UPDATE notify_queue AS q SET claimed_by = $2, lease_until = $1::bigint + $3::bigint, attempts = q.attempts + 1
       FROM picked WHERE q.id = picked.id
       RETURNING q.id, q.key, q.kind, q.payload, q.attempts`,
      [now, this.holder, this.leaseMs],
    );
    return rows[0];
  }

  /**
   * What a worker would find here now, without claiming: a notice `claim` would take, and
   * whether notices are held, with the last hour's sends (a digest may gather the held
   * ones: gate.ts `digestDue`).
   */
  async waiting(): Promise<{ queued: boolean; held: boolean; sentLastHour: number }> {
    const now = this.clock.now();
    const { rows } = await this.pool.query<{ queued: boolean; held: boolean; sent: number }>(
      `SELECT EXISTS (SELECT 1 FROM notify_queue WHERE done_at IS NULL AND (claimed_by IS NULL OR lease_until <= $1)) AS queued,
              EXISTS (SELECT 1 FROM notify_log WHERE state = 'held') AS held,
              (SELECT count(*) FROM notify_log WHERE state IN ('sending', 'sent') AND created_at > $2)::int AS sent`,
      [now, now - HOUR_MS],
    );
    const row = rows[0];
    return { queued: row?.queued === true, held: row?.held === true, sentLastHour: row?.sent ?? 0 };
  }

  /** Extends this holder's lease on a notice; false when it no longer holds it. */
  async renew(id: number): Promise<boolean> {
    const now = this.clock.now();
    const { rowCount } = await this.pool.query(
      `UPDATE notify_queue SET lease_until = $2::bigint + $3::bigint
       WHERE id = $1 AND done_at IS NULL AND claimed_by = $4 AND lease_until > $2`,
      [id, now, this.leaseMs, this.holder],
    );
    return rowCount === 1;
  }

  /** Done, only while this holder holds it (in the transaction that logs what was sent). */
  async finish(tx: Queryable, id: number): Promise<boolean> {
    const now = this.clock.now();
    const { rowCount } = await tx.query(
      `UPDATE notify_queue SET done_at = $2, claimed_by = NULL, lease_until = NULL
       WHERE id = $1 AND done_at IS NULL AND claimed_by = $3 AND lease_until > $2`,
      [id, now, this.holder],
    );
    return rowCount === 1;
  }

  /**
   * The verdict on `key`: the one it had (a notice taken over after a crash keeps it),
   * or — under the team's cap lock, so no two nodes both read "one left" — what `decide`
   * says from the last hour's count, recorded in `notify_log`.
   */
  async admit(
    row: { key: string; title: string; body: string; urgency: NotificationUrgency },
    decide: (window: NotifyWindow) => string | undefined,
  ): Promise<PgAdmission> {
    return withTransaction(this.pool, async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1, $2)', [ADVISORY_CLASS, NOTIFY_CAP_LOCK]);
      const now = this.clock.now();
      const existing = (await tx.query<{ state: NotifyState; reason: string | null }>('SELECT state, reason FROM notify_log WHERE key = $1', [row.key])).rows[0];
      if (existing) {
        return existing.state === 'held' || existing.state === 'digested'
          ? { verdict: 'hold', reason: existing.reason ?? 'held', fresh: false }
          : { verdict: 'send', fresh: false };
      }
      const reason = decide(await this.window(tx, now));
      await tx.query(
        'INSERT INTO notify_log (key, title, body, urgency, state, reason, created_at, node) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
        [row.key, row.title, row.body, row.urgency, reason ? 'held' : 'sending', reason ?? null, now, this.node],
      );
      return reason ? { verdict: 'hold', reason, fresh: true } : { verdict: 'send', fresh: true };
    });
  }

  /** The last hour's sends and what is held, as of `now`. */
  async window(db: Queryable, now: number): Promise<NotifyWindow> {
    const row = (await db.query<{ sent: number; oldest: number | null; held: number }>(
      `SELECT (SELECT count(*) FROM notify_log WHERE state IN ('sending', 'sent') AND created_at > $1)::int AS sent,
              (SELECT min(created_at) FROM notify_log WHERE state IN ('sending', 'sent') AND created_at > $1) AS oldest,
              (SELECT count(*) FROM notify_log WHERE state = 'held')::int AS held`,
      [now - HOUR_MS],
    )).rows[0]!;
    return { sentLastHour: row.sent, ...(row.oldest !== null ? { oldestSent: row.oldest } : {}), held: row.held };
  }

  /**
   * A digest of what is held, queued once: under the cap lock, when `due` says the
   * window allows it and no digest waits already. Returns whether one was queued.
   */
  async queueDigest(due: (window: NotifyWindow) => boolean): Promise<boolean> {
    return withTransaction(this.pool, async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1, $2)', [ADVISORY_CLASS, NOTIFY_CAP_LOCK]);
      const now = this.clock.now();
      const window = await this.window(tx, now);
      if (window.held === 0 || !due(window)) return false;
      const waiting = await tx.query(`SELECT 1 FROM notify_queue WHERE kind = 'digest' AND done_at IS NULL LIMIT 1`);
      if (waiting.rowCount) return false;
      return this.enqueue(tx, `digest:${now}`, 'digest', {}, now);
    });
  }

  /** The digest's own row (it counts against the cap like any send) and the held ones it lists. */
  async startDigest(key: string, digest: { title: string; body: string; urgency: NotificationUrgency }): Promise<void> {
    await this.pool.query(
      `INSERT INTO notify_log (key, title, body, urgency, state, created_at, node) VALUES ($1, $2, $3, $4, 'sending', $5, $6) ON CONFLICT (key) DO NOTHING`,
      [key, digest.title, digest.body, digest.urgency, this.clock.now(), this.node],
    );
  }

  async held(): Promise<NotifyLogRow[]> {
    const { rows } = await this.pool.query<NotifyLogRow>(
      `SELECT key, title, body, urgency, state, reason, created_at AS "createdAt" FROM notify_log WHERE state = 'held' ORDER BY created_at, key`,
    );
    return rows;
  }

  async setState(keys: readonly string[], state: NotifyState): Promise<void> {
    if (keys.length === 0) return;
    await this.pool.query('UPDATE notify_log SET state = $2 WHERE key = ANY($1::text[])', [keys, state]);
  }

  async deliveredChannels(key: string): Promise<Set<string>> {
    const { rows } = await this.pool.query<{ channel: string }>('SELECT channel FROM notify_deliveries WHERE key = $1', [key]);
    return new Set(rows.map((r) => r.channel));
  }

  /** `db`: a transaction it commits with (a node's desktop popup marked with its ask, src/daemon/team-desktop.ts). */
  async markDelivered(key: string, channel: string, db: Queryable = this.pool): Promise<void> {
    await db.query(
      'INSERT INTO notify_deliveries (key, channel, at, node) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
      [key, channel, this.clock.now(), this.node],
    );
  }

  /**
   * Each channel's outcome at a send (a skip says nothing either way, and is not given):
   * the newest across the team is kept, as the single daemon keeps its last in kv.
   */
  async rememberChannels(outcomes: ReadonlyArray<{ channel: string; ok: boolean; error?: string }>): Promise<void> {
    const now = this.clock.now();
    for (const o of outcomes) {
      await this.pool.query(
        `INSERT INTO notify_channels (channel, ok, error, at, node) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (channel) DO UPDATE SET ok = EXCLUDED.ok, error = EXCLUDED.error, at = EXCLUDED.at, node = EXCLUDED.node
         WHERE notify_channels.at <= EXCLUDED.at`,
        [o.channel, o.ok, o.error ?? null, now, this.node],
      );
    }
  }
}

/** Each channel's last outcome across the team, shaped as the single daemon's kv `notify.channels.last`. */
export async function channelOutcomes(db: Queryable): Promise<Record<string, { at: number; ok: boolean; error?: string }>> {
  const { rows } = await db.query<{ channel: string; ok: boolean; error: string | null; at: string | number }>('SELECT channel, ok, error, at FROM notify_channels');
  return Object.fromEntries(rows.map((r) => [r.channel, { at: Number(r.at), ok: r.ok, ...(r.error !== null ? { error: r.error } : {}) }]));
}

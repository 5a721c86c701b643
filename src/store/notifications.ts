import type { Db } from './db.js';

/** How loudly a notification asks for attention (the notify room's `Urgency`). */
export type NotificationUrgency = 'low' | 'normal' | 'high';

export type NotifyState = 'sending' | 'sent' | 'held' | 'digested';

export interface NotifyLogRow {
  key: string;
  title: string;
  body: string;
  urgency: NotificationUrgency;
  state: NotifyState;
  reason: string | null;
  createdAt: number;
}

export interface NoticeRow {
  id: number;
  key: string;
  kind: NoticeKind;
  payload: Record<string, unknown>;
}

/** What the daemon asks the worker to tell the owner (it holds no channel credentials itself). */
/** `alert`: a title and body for the owner (payload `{ title, body }`), e.g. deliveries failing verification. */
export type NoticeKind = 'approval' | 'digest' | 'test' | 'alert' | 'rule';

/**
 * What was told to the owner, and what is still to tell: tables `notify_log`,
 * `notify_deliveries` and `notify_queue` (migration 006-notify-web), shared by daemon,
 * worker and dashboard. The push subscriptions are in push-subscriptions.ts.
 */
export class Notifications {
  constructor(private readonly db: Db) {}

  // ── what was sent or held ─────────────────────────────────────────────────────
  logRow(key: string): NotifyLogRow | undefined {
    return this.db
      .prepare('SELECT key, title, body, urgency, state, reason, created_at AS createdAt FROM notify_log WHERE key = ?')
      .get(key) as NotifyLogRow | undefined;
  }

  /** First writer wins: a retried key keeps the verdict it had. */
  insertLog(row: Omit<NotifyLogRow, 'reason'> & { reason?: string }): boolean {
    return (
      this.db
        .prepare(
          `INSERT INTO notify_log (key, title, body, urgency, state, reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(key) DO NOTHING`,
        )
        .run(row.key, row.title, row.body, row.urgency, row.state, row.reason ?? null, row.createdAt).changes === 1
    );
  }

  setState(keys: readonly string[], state: NotifyState): void {
    const stmt = this.db.prepare('UPDATE notify_log SET state = ? WHERE key = ?');
    for (const key of keys) stmt.run(state, key);
  }

  /** Everything that went out (or is going out) since `since`: the hourly cap counts these. */
  sentSince(since: number): number {
    return (
      this.db
        .prepare(`SELECT count(*) AS n FROM notify_log WHERE state IN ('sending', 'sent') AND created_at > ?`)
        .get(since) as { n: number }
    ).n;
  }

  oldestSentSince(since: number): number | undefined {
    const row = this.db
      .prepare(`SELECT min(created_at) AS at FROM notify_log WHERE state IN ('sending', 'sent') AND created_at > ?`)
      .get(since) as { at: number | null };
    return row.at ?? undefined;
  }

  held(): NotifyLogRow[] {
    return this.db
      .prepare(
        `SELECT key, title, body, urgency, state, reason, created_at AS createdAt FROM notify_log
         WHERE state = 'held' ORDER BY created_at, key`,
      )
      .all() as NotifyLogRow[];
  }

  heldCount(): number {
    return (this.db.prepare(`SELECT count(*) AS n FROM notify_log WHERE state = 'held'`).get() as { n: number }).n;
  }

  // ── exactly once per channel ──────────────────────────────────────────────────
  deliveredChannels(key: string): Set<string> {
    const rows = this.db.prepare('SELECT channel FROM notify_deliveries WHERE key = ?').all(key) as { channel: string }[];
    return new Set(rows.map((r) => r.channel));
  }

  markDelivered(key: string, channel: string, now: number): void {
    this.db
      .prepare('INSERT INTO notify_deliveries (key, channel, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING')
      .run(key, channel, now);
  }

  /**
   * Forget what no longer matters: sent notifications and finished notices after
   * `keepMs` (the hourly cap looks back one hour, retries a few minutes). Held ones stay
   * until a digest lists them.
   */
  prune(now: number, keepMs: number): number {
    const before = now - keepMs;
    return this.db.transaction(() => {
      let removed = this.db.prepare(`DELETE FROM notify_log WHERE state IN ('sent', 'digested') AND created_at < ?`).run(before).changes;
      removed += this.db.prepare('DELETE FROM notify_deliveries WHERE at < ?').run(before).changes;
      removed += this.db.prepare('DELETE FROM notify_queue WHERE done_at IS NOT NULL AND done_at < ?').run(before).changes;
      return removed;
    })();
  }

  // ── the daemon's notices for the worker ───────────────────────────────────────
  /** Idempotent by key: the daemon may enqueue the same approval again after a crash. */
  enqueueNotice(key: string, kind: NoticeKind, payload: Record<string, unknown>, now: number): boolean {
    return (
      this.db
        .prepare('INSERT INTO notify_queue (key, kind, payload, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO NOTHING')
        .run(key, kind, JSON.stringify(payload), now).changes === 1
    );
  }

  pendingNotices(limit = 20): NoticeRow[] {
    const rows = this.db
      .prepare('SELECT id, key, kind, payload FROM notify_queue WHERE done_at IS NULL ORDER BY id LIMIT ?')
      .all(limit) as { id: number; key: string; kind: NoticeKind; payload: string }[];
    return rows.map((r) => ({ ...r, payload: JSON.parse(r.payload) as Record<string, unknown> }));
  }

  pendingNoticeCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM notify_queue WHERE done_at IS NULL').get() as { n: number }).n;
  }

  hasPendingNotice(kind: NoticeKind): boolean {
    return this.db.prepare('SELECT 1 FROM notify_queue WHERE done_at IS NULL AND kind = ? LIMIT 1').get(kind) !== undefined;
  }

  markNoticeDone(id: number, now: number): void {
    this.db.prepare('UPDATE notify_queue SET done_at = ? WHERE id = ?').run(now, id);
  }
}

import Database from 'better-sqlite3';
import type { Db } from './db.js';
import { lastDelivery } from './inbox.js';
import type { WebhookRejectionLog } from './kv-keys.js';
import { PushSubscriptions } from './push-subscriptions.js';

/** How long a read waits for another process's lock before the doctor reports the database unreadable. */
const READ_BUSY_TIMEOUT_MS = 5000;

/**
 * A read-only handle on a home's vigil.db, for `vigil doctor`: it never migrates,
 * repairs or takes the write lock, and needs no spool.
 */
export class StoreReader {
  readonly pushSubscriptions: PushSubscriptions;

  private constructor(private readonly db: Db) {
    this.pushSubscriptions = new PushSubscriptions(db);
  }

  /** Throws when the file is missing or is not a database. */
  static open(file: string): StoreReader {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma(`busy_timeout = ${READ_BUSY_TIMEOUT_MS}`);
    return new StoreReader(db);
  }

  /** SQLite's `PRAGMA quick_check`: `['ok']`, or the problems it found. */
  quickCheck(): string[] {
    return (this.db.pragma('quick_check') as { quick_check: string }[]).map((r) => r.quick_check);
  }

  /** The newest GitHub delivery in the inbox. */
  lastDelivery(): { kind: string; id: string | null; at: number } | undefined {
    return lastDelivery(this.db);
  }

  /** Rejected webhook deliveries as the daemon last saved them (src/triggers/webhooks/rejections.ts). */
  webhookRejections(): WebhookRejectionLog | undefined {
    const row = this.db.prepare(`SELECT value FROM kv WHERE key = 'webhook.rejections'`).get() as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as WebhookRejectionLog) : undefined;
  }

  close(): void {
    this.db.close();
  }
}

export function withStoreReader<T>(file: string, use: (reader: StoreReader) => T): T {
  const reader = StoreReader.open(file);
  try {
    return use(reader);
  } finally {
    reader.close();
  }
}

import { recentLogEntries, type DailyLog } from '../logs/index.js';
import type { EventRecord } from '../events.js';
import { isTransientStoreError, type Store } from '../store/index.js';
import type { JournalBatchWriter, JournalWriter } from './writer.js';

/**
 * The daemon's single path into the daily log. State changes stage their records in
 * the store's outbox inside their own transaction (the worker and CLI do the same
 * from their processes); `flush` moves them into the log in order. Records with no
 * state behind them (`tick.skipped`) are written directly, after what is staged.
 */
export class Journal implements JournalWriter, JournalBatchWriter {
  private lastOid = 0;
  private deletedThrough = 0;
  /** This process staged something since the last flush. */
  private dirty = false;
  private lastFlushAt = 0;

  constructor(
    private readonly store: Store,
    private readonly log: DailyLog,
    logsDir: string,
  ) {
    // Entries appended before a crash may still be in the outbox: skip them. Deletes
    // lag appends by fewer than DELETE_EVERY records, so the newest oid in the tail of
    // the last two files (a crash just after midnight) tells where the log stands.
    this.lastOid = newestOid(logsDir);
  }

  /** Call inside a store transaction. */
  stage(record: EventRecord): void {
    this.store.outbox.add(record);
    this.dirty = true;
  }

  write(record: EventRecord): void {
    this.flush();
    this.log.append(record);
  }

  /**
   * Several records with no outbox row behind them, in one append. The outbox is read
   * first only when something may wait there: this process staged, or a second passed
   * (a CLI command stages without telling; the worker says so and is flushed at once).
   * On the webhook path that saves a query per batch.
   */
  writeMany(records: EventRecord[]): void {
    if (this.dirty || Date.now() - this.lastFlushAt > 1000) this.flush();
    this.log.appendMany(records);
  }

  flush(): number {
    this.dirty = false;
    this.lastFlushAt = Date.now();
    let written = 0;
    for (;;) {
      const batch = this.store.outbox.pending(500, this.lastOid);
      if (batch.length === 0) break;
      this.log.appendMany(batch.map((row) => ({ ...row.record, oid: row.oid }) as unknown as EventRecord));
      this.lastOid = batch[batch.length - 1]!.oid;
      written += batch.length;
    }
    // Appended records are skipped by oid from now on, so their rows can go later, in
    // one DELETE for many flushes: under webhook load that is one write fewer per batch.
    if (this.lastOid - this.deletedThrough >= DELETE_EVERY) this.compact();
    return written;
  }

  /**
   * Delete every outbox row already in the log. A store out of reach (another
   * process's lock) leaves them for a later compaction: the log skips them by oid, and
   * a failed delete must not cost the record a `write` was about to append.
   */
  compact(): void {
    if (this.lastOid <= this.deletedThrough) return;
    try {
      this.store.outbox.deleteThrough(this.lastOid);
    } catch (err) {
      if (isTransientStoreError(err)) return;
      throw err;
    }
    this.deletedThrough = this.lastOid;
  }
}

const DELETE_EVERY = 64;
function newestOid(dir: string): number {
  let newest = 0;
  for (const entry of recentLogEntries(dir)) {
    if (typeof entry.oid === 'number' && entry.oid > newest) newest = entry.oid;
  }
  return newest;
}

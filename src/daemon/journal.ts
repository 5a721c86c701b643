import type { DailyLog } from '../logs/index.js';
import type { EventRecord } from '../events.js';
import type { Store } from '../store/index.js';

/**
 * The daemon's single path into the daily log. State changes stage their records in
 * the store's outbox inside their own transaction (the worker and CLI do the same
 * from their processes); `flush` moves them into the log in order. Records with no
 * state behind them (`tick.skipped`) are written directly, after what is staged.
 */
export class Journal {
  private lastOid = 0;

  constructor(
    private readonly store: Store,
    private readonly log: DailyLog,
  ) {
    // An entry appended just before a crash may still be in the outbox: skip it.
    for (const entry of log.tail(200)) {
      if (typeof entry.oid === 'number' && entry.oid > this.lastOid) this.lastOid = entry.oid;
    }
  }

  /** Call inside a store transaction. */
  stage(record: EventRecord): void {
    this.store.outbox.add(record);
  }

  write(record: EventRecord): void {
    this.flush();
    this.log.append(record);
  }

  flush(): number {
    let written = 0;
    for (;;) {
      const batch = this.store.outbox.pending(500);
      if (batch.length === 0) return written;
      const fresh = batch.filter((row) => row.oid > this.lastOid);
      if (fresh.length) this.log.appendMany(fresh.map((row) => ({ ...row.record, oid: row.oid }) as unknown as EventRecord));
      const last = batch[batch.length - 1]!.oid;
      this.lastOid = Math.max(this.lastOid, last);
      this.store.outbox.deleteThrough(last);
      written += fresh.length;
    }
  }
}

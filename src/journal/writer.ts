import type { EventRecord } from '../events.js';

/**
 * What a writer of the daily log is handed: narrow views of one journal, so each room
 * asks only for what it does. The daemon's `Journal` is all of them; a process with no
 * log writer uses an `OutboxJournal`; tests may pass their own.
 */

/** Stages a record in the store's outbox; call inside the transaction that changed the state behind it. */
export interface JournalStager {
  stage(record: EventRecord): void;
}

/**
 * Appends a record with no state behind it (after whatever is staged), and moves what
 * is staged into the log; `flush` returns how many records it moved.
 */
export interface JournalAppender {
  write(record: EventRecord): void;
  flush(): number;
}

/** The whole single-record surface: a writer that both stages and appends. */
export interface JournalWriter extends JournalStager, JournalAppender {}

/** Appends several records with no state behind them in one go (the webhook path). */
export interface JournalBatchWriter {
  writeMany(records: EventRecord[]): void;
}

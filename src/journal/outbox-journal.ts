import type { EventRecord } from '../events.js';
import type { Store } from '../store/index.js';
import type { JournalWriter } from './writer.js';

/**
 * The journal of a process that has no log writer (the CLI when vigil is not running,
 * the dream's child): every record waits in the store's outbox, and the daemon's
 * `Journal` appends it to the daily log when it next flushes. Nothing is flushed here,
 * so `flush` moves nothing.
 */
export class OutboxJournal implements JournalWriter {
  constructor(private readonly store: Store) {}

  /** Call inside a store transaction. */
  stage(record: EventRecord): void {
    this.store.outbox.add(record);
  }

  write(record: EventRecord): void {
    this.store.outbox.add(record);
  }

  flush(): number {
    return 0;
  }
}

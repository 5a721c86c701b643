import type { Clock } from '../clock.js';
import type { JournalWriter } from '../journal/index.js';
import type { Store } from '../store/index.js';

/**
 * What every operation runs on, whoever runs it: the daemon hands its store, clock and
 * journal; the CLI, when no daemon runs, its own store and a journal whose records wait
 * in the outbox until the daemon next flushes (docs/architecture.md, "operations").
 */
export interface OperationDeps {
  store: Store;
  clock: Clock;
  journal: JournalWriter;
}

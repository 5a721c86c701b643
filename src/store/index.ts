import { openDb, type Db } from './db.js';
import { Inbox } from './inbox.js';
import { Actions } from './actions.js';
import { Decisions, KeyValue, LogOutbox, Reminders } from './small-tables.js';

export type { Db } from './db.js';
export { openDb, migrate } from './db.js';
export { Checkpointer } from './checkpointer.js';
export { Inbox, type InboxEvent, type NewEvent, type InboxState } from './inbox.js';
export {
  Actions,
  FINAL_STATES,
  newActionId,
  type ActionRecord,
  type ActionState,
  type NewAction,
  type Verdict,
  type TransitionPatch,
} from './actions.js';
export { Reminders, KeyValue, LogOutbox, Decisions, type DecisionRow } from './small-tables.js';

/** One handle on vigil.db with its tables; shared by daemon, worker and CLI. */
export class Store {
  readonly inbox: Inbox;
  readonly actions: Actions;
  readonly decisions: Decisions;
  readonly reminders: Reminders;
  readonly kv: KeyValue;
  readonly outbox: LogOutbox;
  private closed = false;

  constructor(readonly db: Db) {
    this.inbox = new Inbox(db);
    this.actions = new Actions(db);
    this.decisions = new Decisions(db);
    this.reminders = new Reminders(db);
    this.kv = new KeyValue(db);
    this.outbox = new LogOutbox(db);
  }

  static open(file: string): Store {
    return new Store(openDb(file));
  }

  /** Told after every committed `transaction` (the daemon's checkpointer listens). */
  onCommit: (() => void) | undefined;

  /** BEGIN IMMEDIATE: take the write lock up front so concurrent processes queue, not fail. */
  transaction<T>(fn: () => T): T {
    const result = this.db.transaction(fn).immediate();
    this.onCommit?.();
    return result;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

import type { Store } from '../store/index.js';

/**
 * `vigil cancel ID`: a flag the running task polls. Where it lives depends on the store
 * the task runs against: on SQLite a key of the home's kv table (it works without the
 * daemon — the store is a file — and across the worker process); on a team a column of
 * the action's row in PostgreSQL (src/store/pg/agent-cancel.ts), set from any machine.
 * The task sees only this interface.
 */
export interface CancelFlag {
  /** Whether the owner asked this task to stop. */
  requested(): Promise<boolean>;
  /** Forgets the request once the task ended (whichever way). */
  clear(): Promise<void>;
}

function key(actionId: string): `agent.cancel.${string}` {
  return `agent.cancel.${actionId}`;
}

export function requestCancel(store: Store, actionId: string, now: number): void {
  store.kv.set(key(actionId), now);
}

export function cancelRequested(store: Store, actionId: string): boolean {
  return typeof store.kv.get(key(actionId)) === 'number';
}

export function clearCancel(store: Store, actionId: string): void {
  if (store.kv.get(key(actionId)) !== undefined) store.kv.set(key(actionId), null);
}

/** A home's task's flag, in its SQLite kv. */
export function kvCancelFlag(store: Store, actionId: string): CancelFlag {
  return {
    requested: async () => cancelRequested(store, actionId),
    clear: async () => clearCancel(store, actionId),
  };
}

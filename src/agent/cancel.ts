import type { Store } from '../store/index.js';

/**
 * `vigil cancel ID`: a flag in the store's kv table that the running task polls. It
 * works without the daemon (the store is a file) and across the worker process.
 */

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

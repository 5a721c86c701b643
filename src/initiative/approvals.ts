import { VigilError } from '../errors.js';
import { eventRecord } from '../events.js';
import type { OwnerChannel } from '../policy/index.js';
import type { ActionRecord, Store } from '../store/index.js';
import { approvalsChanged } from '../tick/index.js';

/**
 * The owner's answer to a pending approval (layer 4): single use — the transition is
 * guarded by `awaiting_approval` — and only before it expires. Expired means denied.
 * Works with or without a running daemon: the log records wait in the outbox.
 */
export function answerApproval(
  store: Store,
  id: string,
  answer: 'approve' | 'deny',
  by: OwnerChannel,
  now: number,
): ActionRecord {
  const outcome = store.transaction(() => {
    const action = store.actions.get(id);
    if (!action) throw new VigilError('VIGIL_ERR_APPROVAL_NOT_FOUND', id);
    if (action.state !== 'awaiting_approval') {
      throw new VigilError('VIGIL_ERR_APPROVAL_CLOSED', `${id} is ${action.state}`);
    }
    if (action.expiresAt !== null && action.expiresAt <= now) {
      expireOne(store, action, now);
      return 'expired' as const;
    }
    const to = answer === 'approve' ? 'approved' : 'denied';
    store.actions.transition(id, ['awaiting_approval'], to, now, { answeredBy: by });
    approvalsChanged(store);
    const type = answer === 'approve' ? 'approval.granted' : 'approval.denied';
    store.outbox.add(eventRecord(type, { actionId: id, action: action.action, by }, now));
    return store.actions.get(id)!;
  });
  if (outcome === 'expired') throw new VigilError('VIGIL_ERR_APPROVAL_CLOSED', `${id} expired`);
  return outcome;
}

/** Move every approval whose time ran out to `expired`; returns how many. */
export function expireApprovals(store: Store, now: number): number {
  return store.transaction(() => {
    let expired = 0;
    for (const action of store.actions.dueForExpiry(now)) {
      if (expireOne(store, action, now)) expired++;
    }
    return expired;
  });
}

function expireOne(store: Store, action: ActionRecord, now: number): boolean {
  if (!store.actions.transition(action.id, ['awaiting_approval'], 'expired', now, { reason: 'approval expired' })) {
    return false;
  }
  approvalsChanged(store);
  store.outbox.add(eventRecord('approval.expired', { actionId: action.id, action: action.action }, now));
  return true;
}

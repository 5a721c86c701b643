import { VigilError } from '../errors.js';
import { eventRecord } from '../events.js';
import type { OwnerChannel } from '../policy/index.js';
import { secretMask } from '../secrets/index.js';
import type { ActionRecord, Store } from '../store/index.js';
import { approvalsChanged } from '../tick/index.js';

/** The owner's words with an answer are kept this long at most (the log line, the store, a memory fact). */
export const ANSWER_REASON_MAX_CHARS = 500;

/**
 * The owner's reason as it is stored and logged: one line, at most
 * ANSWER_REASON_MAX_CHARS, any secret vigil holds redacted (the owner may paste anything,
 * and the reason reaches the daily log, the dashboard and topics/owner.md). Empty: none.
 */
export function answerReason(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  const line = secretMask().redact(text.replace(/\s+/g, ' ').trim());
  if (!line) return undefined;
  return line.length > ANSWER_REASON_MAX_CHARS ? `${line.slice(0, ANSWER_REASON_MAX_CHARS - 1)}…` : line;
}

/**
 * The owner's answer to a pending approval (layer 4): single use — the transition is
 * guarded by `awaiting_approval` — and only before it expires. Expired means denied.
 * Works with or without a running daemon: the log records wait in the outbox. `reason`,
 * the owner's own words (`vigil deny ID --reason …`), is kept with the answer.
 */
export function answerApproval(
  store: Store,
  id: string,
  answer: 'approve' | 'deny',
  by: OwnerChannel,
  now: number,
  reason?: string,
): ActionRecord {
  const words = answerReason(reason);
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
    store.actions.transition(id, ['awaiting_approval'], to, now, { answeredBy: by, answeredAt: now, ...(words ? { answerReason: words } : {}) });
    approvalsChanged(store);
    const type = answer === 'approve' ? 'approval.granted' : 'approval.denied';
    store.outbox.add(eventRecord(type, { actionId: id, action: action.action, by, ...(words ? { reason: words } : {}) }, now));
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

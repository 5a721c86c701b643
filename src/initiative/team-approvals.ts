/**
 * The owner's answer to an approval on a team (issue 19): `answerApproval` of
 * approvals.ts over the shared PostgreSQL `actions` table, from any node's capability
 * route or the CLI with `store.url`. One transaction: the action's row locked, the
 * capability token's nonce spent (a unique row: a token answers once across all nodes),
 * the state moved — guarded by `awaiting_approval` — and the line logged in the
 * answerer's chain. An approved action then waits for any node's worker to claim it;
 * a denied one is never claimed.
 */
import type { Clock } from '../clock.js';
import { VigilError } from '../errors.js';
import { eventRecord } from '../events.js';
import type { OwnerChannel } from '../policy/index.js';
import type { PgAnswerStore, PgApproval } from '../store/index.js';
import { answerReason } from './approvals.js';

export interface TeamAnswer {
  id: string;
  answer: 'approve' | 'deny';
  by: OwnerChannel;
  /** The owner's own words (`vigil deny ID --reason …`). */
  reason?: string;
  /** A capability token's nonce (checked by the route): spent with the answer, in its transaction. */
  nonce?: string;
}

type Outcome = { answered: PgApproval } | { expired: true } | { used: true };

/**
 * Answers, or throws VIGIL_ERR_APPROVAL_NOT_FOUND or VIGIL_ERR_APPROVAL_CLOSED (answered,
 * or expired — which is then recorded). 'used': the token's nonce was spent before, and
 * nothing changed. A nonce spent on an approval that turns out closed is rolled back with
 * the answer: what "used" means is that the token answered.
 */
export async function answerTeamApproval(store: PgAnswerStore, clock: Clock, a: TeamAnswer): Promise<PgApproval | 'used'> {
  const words = answerReason(a.reason);
  const outcome = await store.transaction(async (tx): Promise<Outcome> => {
    const now = clock.now();
    const action = await store.approvals.lock(tx, a.id);
    if (!action) throw new VigilError('VIGIL_ERR_APPROVAL_NOT_FOUND', a.id);
    if (a.nonce !== undefined && !(await store.approvals.spend(tx, a.nonce, action.id, now))) return { used: true };
    if (action.state !== 'awaiting_approval') throw new VigilError('VIGIL_ERR_APPROVAL_CLOSED', `${a.id} is ${action.state}`);
    if (action.expiresAt !== null && action.expiresAt <= now) {
      await store.approvals.expireDue(tx, now);
      await store.log.append(tx, [eventRecord('approval.expired', { actionId: action.id, action: action.action }, now)]);
      return { expired: true };
    }
    const to = a.answer === 'approve' ? 'approved' : 'denied';
    // Guarded by the state besides the row lock: an answer never moves what is no longer waiting.
    if (!(await store.approvals.answer(tx, a.id, to, a.by, now, words))) throw new VigilError('VIGIL_ERR_APPROVAL_CLOSED', `${a.id} was answered meanwhile`);
    const type = a.answer === 'approve' ? 'approval.granted' : 'approval.denied';
    await store.log.append(tx, [eventRecord(type, { actionId: action.id, action: action.action, by: a.by, ...(words ? { reason: words } : {}) }, now)]);
    return { answered: { ...action, state: to, answeredBy: a.by } };
  });
  if ('expired' in outcome) throw new VigilError('VIGIL_ERR_APPROVAL_CLOSED', `${a.id} expired`);
  return 'used' in outcome ? 'used' : outcome.answered;
}

/** Every approval whose time ran out moves to `expired`, each logged; returns how many. */
export async function expireTeamApprovals(store: PgAnswerStore, clock: Clock): Promise<number> {
  return store.transaction(async (tx) => {
    const now = clock.now();
    const expired = await store.approvals.expireDue(tx, now);
    await store.log.append(tx, expired.map((e) => eventRecord('approval.expired', { actionId: e.id, action: e.action }, now)));
    return expired.length;
  });
}

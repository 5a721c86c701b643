import { eventRecord } from '../events.js';
import type { JournalStager } from '../journal/index.js';
import { boundText, boundValue, MAX_FIELD_CHARS } from '../logs/index.js';
import type { PolicyGate, Proposal } from '../policy/index.js';
import { secretMask } from '../secrets/index.js';
import type { ActionRecord, Store } from '../store/index.js';
import { approvalsChanged } from '../tick/index.js';
import { subjectKey, subjectOfParams } from './subject.js';

/**
 * What becomes of a proposal the gate would put to the owner: it waits for an answer
 * until `expiresAt`, or — for a proposer whose proposal is worth less than an
 * approval's noise — it is denied, with `why` added to the gate's reason.
 */
export type WhenAsked = { wait: true; expiresAt: number } | { wait: false; why: string };

export interface ProposeDeps {
  store: Store;
  gate: PolicyGate;
  /** Where the proposal's log record is staged (the daemon's journal, or the outbox of a process without one). */
  journal: JournalStager;
}

export interface ProposalOrigin {
  /** The event and decision that led to it, when there are any (a dream's digest has neither). */
  eventId?: number;
  decisionId?: number;
  now: number;
  whenAsked: WhenAsked;
}

export interface Proposed {
  state: 'approved' | 'awaiting_approval' | 'denied';
  record: ActionRecord;
}

/**
 * The one way an action is proposed: the policy gate judges it, the action is inserted
 * in the state its verdict gives (`approved` for the execution worker, `awaiting_approval`
 * for the owner, `denied`), and its log record is staged with it. Call inside the store
 * transaction that holds whatever led to the proposal, so both land or neither does.
 *
 * Rows are read back by pages and answers: what the proposer said is stored without any
 * secret it quoted, and what a denied proposal held is stored capped. Allowed and asked
 * params passed the catalog, whose schemas bound them.
 */
export function propose(deps: ProposeDeps, proposal: Proposal & { rationale: string }, origin: ProposalOrigin): Proposed {
  const { store, gate, journal } = deps;
  const { now, whenAsked } = origin;
  const judgement = gate.judge(proposal);
  const params = judgement.params ?? proposal.params;
  let { verdict, reason } = judgement;
  if (verdict === 'ask' && !whenAsked.wait) {
    verdict = 'deny';
    reason = `${reason}; ${whenAsked.why}`;
  }
  const denied = verdict === 'deny';
  const mask = secretMask();
  const row = {
    ...(origin.eventId !== undefined ? { eventId: origin.eventId } : {}),
    ...(origin.decisionId !== undefined ? { decisionId: origin.decisionId } : {}),
    action: denied ? boundText(proposal.action, 200, mask) : proposal.action,
    params: denied ? boundValue(params, mask) : params,
    rationale: boundText(proposal.rationale, MAX_FIELD_CHARS, mask),
    ...(judgement.repo ? { repo: judgement.repo } : {}),
    // Thread memory: an action that names its issue or commit is about that; else about its decision's.
    ...subjectField(params),
    verdict,
    reason: boundText(reason, MAX_FIELD_CHARS, mask),
  };
  if (verdict === 'allow') {
    const record = store.actions.insert(row, 'approved', now);
    journal.stage(eventRecord('action.allowed', { actionId: record.id, action: record.action, reason }, now));
    return { state: 'approved', record };
  }
  if (verdict === 'ask' && whenAsked.wait) {
    const { expiresAt } = whenAsked;
    const record = store.actions.insert(row, 'awaiting_approval', now, expiresAt);
    approvalsChanged(store);
    const fields = { actionId: record.id, action: record.action, params: record.params, reason };
    journal.stage(eventRecord('approval.requested', { ...fields, expiresAt: new Date(expiresAt).toISOString() }, now));
    return { state: 'awaiting_approval', record };
  }
  const record = store.actions.insert(row, 'denied', now);
  journal.stage(eventRecord('action.denied', { actionId: record.id, action: record.action, reason }, now));
  return { state: 'denied', record };
}

function subjectField(params: unknown): { subject?: string } {
  const subject = subjectOfParams(params);
  return subject ? { subject: subjectKey(subject) } : {};
}

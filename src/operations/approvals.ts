import { answerApproval as recordAnswer } from '../initiative/index.js';
import { describeAction } from '../notify/index.js';
import type { OwnerChannel } from '../policy/index.js';
import type { ActionRecord, Store } from '../store/index.js';
import type { OperationDeps } from './deps.js';

/** A pending approval as `GET /api/approvals` and `vigil approvals --json` show it. */
export interface ApprovalView {
  id: string;
  action: string;
  params: unknown;
  summary: string;
  rationale: string;
  reason: string;
  createdAt: string;
  expiresAt: string | null;
}

export function approvalView(action: Pick<ActionRecord, 'id' | 'action' | 'params' | 'rationale' | 'reason' | 'createdAt' | 'expiresAt'>): ApprovalView {
  return {
    id: action.id,
    action: action.action,
    params: action.params,
    summary: describeAction(action),
    rationale: action.rationale,
    reason: action.reason,
    createdAt: new Date(action.createdAt).toISOString(),
    expiresAt: action.expiresAt === null ? null : new Date(action.expiresAt).toISOString(),
  };
}

/** Every action waiting for the owner's answer, oldest first. */
export function listApprovals(store: Store): ApprovalView[] {
  return store.actions.pendingApprovals().map(approvalView);
}

export interface AnswerDeps extends OperationDeps {
  /** The daemon wakes its worker for an approved action and re-arms the expiry timer; the CLI has nothing to wake. */
  onAnswered?: (action: ActionRecord) => void;
}

/**
 * `vigil approve ID` / `vigil deny ID`, the dashboard's buttons and a notification's
 * capability answer: single use, only before the approval expires (expired means
 * denied); `reason` is the owner's own words, kept and logged with the answer; throws VIGIL_ERR_APPROVAL_NOT_FOUND or VIGIL_ERR_APPROVAL_CLOSED.
 */
export function answerApproval(deps: AnswerDeps, id: string, answer: 'approve' | 'deny', by: OwnerChannel, reason?: string): ActionRecord {
  const action = recordAnswer(deps.store, id, answer, by, deps.clock.now(), reason);
  deps.journal.flush();
  deps.onAnswered?.(action);
  return action;
}

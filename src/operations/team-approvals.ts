import { systemClock } from '../clock.js';
import { errorText, VigilError } from '../errors.js';
import { answerTeamApproval } from '../initiative/index.js';
import { withTeamAnswers } from '../store/index.js';
import { approvalView, type ApprovalView } from './approvals.js';
import type { PermissionsConfig } from '../config/index.js';
import { considerTeamRuleSuggestion } from './team-rule-suggestions.js';

/**
 * `vigil approvals` / `vigil approve ID` / `vigil deny ID` on a team's home (`store.url`,
 * issue 19): straight to the database by a short-lived pool, whether or not a node runs
 * here — any node's worker claims an approved action within a second. The answer's line
 * goes to `node`'s chain (the node of this home, else the host's name).
 */
export function listTeamApprovals(url: string): Promise<ApprovalView[]> {
  return withTeamAnswers(url, 'cli', async (store) => (await store.transaction((tx) => store.approvals.pending(tx))).map(approvalView));
}

export async function answerTeamApprovalByCli(
  url: string,
  node: string,
  id: string,
  answer: 'approve' | 'deny',
  reason: string | undefined,
  permissions: Readonly<PermissionsConfig>,
): Promise<{ id: string; state: string; suggestionFailed?: string }> {
  let suggestionFailed: string | undefined;
  const answered = await withTeamAnswers(url, node, async (store) => {
    const result = await answerTeamApproval(store, systemClock, { id, answer, by: 'cli', ...(reason !== undefined ? { reason } : {}) });
    // Only a capability's nonce can be "used"; the CLI spends none.
    if (result === 'used') throw new VigilError('VIGIL_ERR_INTERNAL', `${id}: answered without a token, yet a token was spent`);
    // The fifth approval in a row offers the rule (its notice sent by any node's worker); the answer stands whatever comes of it.
    if (result.state === 'approved') {
      await considerTeamRuleSuggestion(store, systemClock, permissions, result).catch((err: unknown) => void (suggestionFailed = errorText(err)));
    }
    return result;
  });
  return { id: answered.id, state: answered.state, ...(suggestionFailed ? { suggestionFailed } : {}) };
}

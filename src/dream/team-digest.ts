import type { PermissionsConfig } from '../config/index.js';
import { eventRecord, type EventRecord } from '../events.js';
import { boundText, boundValue, MAX_FIELD_CHARS } from '../logs/index.js';
import { PolicyGate } from '../policy/index.js';
import { secretMask } from '../secrets/index.js';
import { newActionId, type PgStore, type PgTx } from '../store/index.js';
import { digestText } from './digest.js';
import type { DreamReport } from './dream.js';

/**
 * A team's dream report reaches the owner as a home's does (digest.ts): a `notify` action
 * judged by the policy gate of the dreaming node's config, inserted in the dream's own
 * commit — so a dream that commits has its digest and one that is refused or dies has
 * none — `approved` for whichever node's worker claims it (sent once through the team's
 * gate and channels), or `denied` with its line. A digest the policy would ask about is
 * denied instead: it is worth less than the approval's noise.
 */
export async function stageTeamDigest(
  tx: PgTx,
  store: Pick<PgStore, 'actions'>,
  permissions: Readonly<PermissionsConfig>,
  report: DreamReport,
  changes: readonly string[],
  now: number,
): Promise<{ actionId?: string; records: EventRecord[] }> {
  const params = { ...digestText(report, changes), urgency: 'low' as const };
  const proposal = { action: 'notify', params, rationale: `the report of dream ${report.dreamId}` };
  const judgement = new PolicyGate(permissions).judge(proposal);
  const allowed = judgement.verdict === 'allow';
  const reason = judgement.verdict === 'ask' ? `${judgement.reason}; a dream digest does not wait for approval` : judgement.reason;
  const mask = secretMask();
  const id = newActionId();
  await store.actions.insert(tx, {
    id,
    action: 'notify',
    params: allowed ? (judgement.params ?? params) : boundValue(params, mask),
    rationale: proposal.rationale,
    state: allowed ? 'approved' : 'denied',
    verdict: allowed ? 'allow' : 'deny',
    reason: boundText(reason, MAX_FIELD_CHARS, mask),
  });
  const type = allowed ? 'action.allowed' : 'action.denied';
  return { ...(allowed ? { actionId: id } : {}), records: [eventRecord(type, { actionId: id, action: 'notify', reason }, now)] };
}

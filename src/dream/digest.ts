import type { PermissionsConfig } from '../config/index.js';
import { eventRecord } from '../events.js';
import { PolicyGate } from '../policy/index.js';
import type { Store } from '../store/index.js';
import type { DreamReport } from './dream.js';

const MAX_LINES = 12;

export function digestText(report: DreamReport, changes: readonly string[]): { title: string; body: string } {
  const title = `vigil dreamed: ${report.added} added, ${report.updated} updated, ${report.removed} removed, ${report.stale} stale`;
  const shown = changes.slice(0, MAX_LINES);
  const more = changes.length - shown.length;
  const body = [...shown, ...(more > 0 ? [`… and ${more} more (vigil memory show)`] : [])].join('\n').slice(0, 4000);
  return { title, body };
}

/**
 * The dream's report reaches the owner as a `notify` action, proposed like any other:
 * the policy gate judges it (observe mode denies it, a rule may), an allowed one is
 * inserted `approved` for the execution worker, which delivers it through whatever
 * notification channels exist. Staged in one transaction with its log record.
 * Returns the action id when one was queued.
 */
export function stageDigest(
  store: Store,
  permissions: Readonly<PermissionsConfig>,
  report: DreamReport,
  changes: readonly string[],
  now: number,
): string | undefined {
  const params = { ...digestText(report, changes), urgency: 'low' as const };
  const rationale = `the report of dream ${report.dreamId}`;
  const judgement = new PolicyGate(permissions).judge({ action: 'notify', params, rationale });
  return store.transaction(() => {
    const base = { action: 'notify', params: judgement.params ?? params, rationale, verdict: judgement.verdict, reason: judgement.reason };
    if (judgement.verdict !== 'allow') {
      // A digest that would wait for an approval is worth less than the approval's noise.
      const reason = judgement.verdict === 'ask' ? `${judgement.reason}; a dream digest does not wait for approval` : judgement.reason;
      const denied = store.actions.insert({ ...base, verdict: 'deny', reason }, 'denied', now);
      store.outbox.add(eventRecord('action.denied', { actionId: denied.id, action: 'notify', reason }, now));
      return undefined;
    }
    const action = store.actions.insert(base, 'approved', now);
    store.outbox.add(eventRecord('action.allowed', { actionId: action.id, action: 'notify', reason: judgement.reason }, now));
    return action.id;
  });
}

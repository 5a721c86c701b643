import type { PermissionsConfig } from '../config/index.js';
import { propose } from '../initiative/index.js';
import { OutboxJournal } from '../journal/index.js';
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
 * The dream's report reaches the owner as a `notify` action, proposed like any other
 * (src/initiative/propose.ts): the policy gate judges it (observe mode denies it, a rule
 * may), an allowed one is inserted `approved` for the execution worker, which delivers
 * it through whatever notification channels exist. Staged in one transaction with its
 * log record, in the outbox (the dream runs where no log writer is). Returns the action
 * id when one was queued.
 */
export function stageDigest(
  store: Store,
  permissions: Readonly<PermissionsConfig>,
  report: DreamReport,
  changes: readonly string[],
  now: number,
): string | undefined {
  const params = { ...digestText(report, changes), urgency: 'low' as const };
  const proposal = { action: 'notify', params, rationale: `the report of dream ${report.dreamId}` };
  // A digest that would wait for an approval is worth less than the approval's noise.
  const whenAsked = { wait: false, why: 'a dream digest does not wait for approval' } as const;
  const deps = { store, gate: new PolicyGate(permissions), journal: new OutboxJournal(store) };
  const { state, record } = store.transaction(() => propose(deps, proposal, { now, whenAsked }));
  return state === 'approved' ? record.id : undefined;
}

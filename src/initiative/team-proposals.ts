import type { DecisionRule, PermissionsConfig, WatchedRepo } from '../config/index.js';
import { eventRecord, type EventRecord } from '../events.js';
import { boundText, boundValue, MAX_FIELD_CHARS } from '../logs/index.js';
import type { Decision, ModelProvider } from '../model/index.js';
import { PolicyGate } from '../policy/index.js';
import { secretMask } from '../secrets/index.js';
import { newActionId, type PgStore, type PgTx } from '../store/index.js';
import type { OwnerVoice, ProposalFate } from './instruction.js';
import type { OwnerProfile } from './owner.js';
import type { Toolbox } from './toolbox.js';
import { subjectKey, subjectOfParams } from './subject.js';
import type { TriageConfig } from './triage.js';

/** What a node decides with, from the config it accepted: rebuilt on reload. */
export interface TeamDecider {
  /** The offline `rules` provider, or a model (`triage.modelDecides`). */
  provider: ModelProvider;
  /** Every config rule: the offline provider's whole decision. */
  rules: readonly DecisionRule[];
  permissions: Readonly<PermissionsConfig>;
  /** Rules first: `model.skipEvents` and the rules marked `"decide": "rules"`. */
  triage: TriageConfig;
  /** Who speaks as the owner on GitHub (`owner.login`, `owner.handle`): their `@vigil` comments are instructions. */
  voice: OwnerVoice;
  /** `github.coalesceSeconds` in ms: with a model, events that belong together are decided as one after this quiet. */
  coalesceMs: number;
  /** The prompt's watched clones (their CLAUDE.md / AGENTS.md, a tick's state). */
  repos: readonly WatchedRepo[];
  owner?: OwnerProfile;
  heartbeatFile?: string;
  /** The read-only tools a model may call before `decide` (teamDecisionToolbox); without it, one forced call. */
  toolbox?: Toolbox;
}

/**
 * The policy gate's verdict decides a proposal's state, as `propose` does on SQLite
 * (propose.ts): inserted in the deciding transaction with its log line.
 */
export class TeamProposals {
  private readonly gate: PolicyGate;

  constructor(
    private readonly store: PgStore,
    private readonly permissions: Readonly<PermissionsConfig>,
    /** Whether this node's desktop shows the ask now (src/daemon/team-desktop.ts): then the notice is marked delivered there with the ask. */
    private readonly desktopShows?: (tx: PgTx, now: number) => Promise<boolean>,
  ) {
    this.gate = new PolicyGate(permissions);
  }

  /** The proposal's row and log line; `fate` for an owner's answer. */
  async propose(tx: PgTx, proposal: Decision['proposals'][number], eventId: number, decisionId: number, now: number): Promise<{ record: EventRecord; fate: ProposalFate }> {
    const judgement = this.gate.judge(proposal);
    const { verdict, reason } = judgement;
    const denied = verdict === 'deny';
    const mask = secretMask();
    const params = judgement.params ?? proposal.params;
    const id = newActionId();
    const action = denied ? boundText(proposal.action, 200, mask) : proposal.action;
    const state = verdict === 'allow' ? 'approved' : verdict === 'ask' ? 'awaiting_approval' : 'denied';
    const expiresAt = now + this.permissions.approvalTtlHours * 3_600_000;
    // Thread memory: an action that names its issue or commit is about that; else about its decision's.
    const subject = subjectOfParams(params);
    // A refused proposal is kept (and told to the owner) bounded and without any secret it quoted.
    const stored = denied ? boundValue(params, mask) : params;
    const storedReason = boundText(reason, MAX_FIELD_CHARS, mask);
    await this.store.actions.insert(tx, {
      id,
      eventId,
      decisionId,
      action,
      params: stored,
      rationale: boundText(proposal.rationale, MAX_FIELD_CHARS, mask),
      ...(judgement.repo ? { repo: judgement.repo } : {}),
      state,
      verdict,
      reason: storedReason,
      ...(state === 'awaiting_approval' ? { expiresAt } : {}),
      ...(subject ? { subject: subjectKey(subject) } : {}),
    });
    const fate: ProposalFate = { action, params: stored, state, actionId: id, reason: storedReason };
    if (state === 'approved') return { record: eventRecord('action.allowed', { actionId: id, action, reason }, now), fate };
    if (state === 'denied') return { record: eventRecord('action.denied', { actionId: id, action, reason }, now), fate };
    // The owner's notice commits with the ask: no ask without its notice, none twice (a unique key).
    await this.store.notify.enqueue(tx, `approval:${id}`, 'approval', { actionId: id }, now);
    // Marked before any worker can claim the notice: its fan-out skips the desktop, and its notify.sent names it, every time.
    if (await this.desktopShows?.(tx, now)) await this.store.notify.markDelivered(`approval:${id}`, 'desktop', tx);
    return { record: eventRecord('approval.requested', { actionId: id, action, params, expiresAt: new Date(expiresAt).toISOString(), reason }, now), fate };
  }
}

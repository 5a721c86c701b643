import type { PermissionsConfig } from '../config/index.js';
import { eventRecord } from '../events.js';
import type { JournalWriter } from '../journal/index.js';
import { boundText, MAX_FIELD_CHARS } from '../logs/index.js';
import type { DecisionResult } from '../model/index.js';
import type { PolicyGate } from '../policy/index.js';
import { secretMask } from '../secrets/index.js';
import type { ActionRecord, InboxEvent, Store } from '../store/index.js';
import { recordDecidedTick, type TickPayload } from '../tick/index.js';
import { answerText, replyProposal, type Instruction, type ProposalFate } from './instruction.js';
import { propose } from './propose.js';
import { eventSubjectKey } from './subject.js';

/** What the owner hears back from an instruction. */
export interface OwnerAnswer {
  eventId: number;
  via: Instruction['via'];
  act: boolean;
  summary: string;
  proposals: ProposalFate[];
  /** The summary and the proposals' fates in words: printed, notified, or posted as the reply comment. */
  text: string;
}

/** Who spoke in the event: the owner's instruction, or a third party's `@vigil` (decided as data). */
export interface Heard {
  instruction?: Instruction;
  thirdParty?: { login: string; repo: string; number: number };
}

export interface CommitParts {
  store: Store;
  journal: JournalWriter;
  gate: PolicyGate;
  permissions: Readonly<PermissionsConfig>;
}

export interface DecidedEvent {
  event: InboxEvent;
  /** The events decided together with `event` (`github.coalesceSeconds`), marked decided with it. */
  coalesced: readonly number[];
  result: DecisionResult;
  tick: TickPayload | undefined;
  heard: Heard;
  now: number;
}

export interface Committed {
  /** Allowed actions: the execution worker has work. */
  approved: ActionRecord[];
  /** Actions the owner must answer. */
  asked: ActionRecord[];
  /** The answer to the owner's instruction, when the event carried one. */
  answer?: OwnerAnswer;
}

/**
 * A single home's decision in one transaction: the event (and those coalesced with it)
 * marked decided, the decision row, every proposal judged by the policy and stored as
 * an action, the answer to an owner's instruction, the decided tick. Its log lines are
 * staged; the caller flushes them. An event already decided (another pass got there
 * first) commits nothing.
 */
export function commitDecision(parts: CommitParts, decided: DecidedEvent): Committed {
  const { store, journal, gate, permissions } = parts;
  const { event, coalesced, result, tick, heard, now } = decided;
  const { decision, model } = result;
  const expiresAt = now + permissions.approvalTtlHours * 3_600_000;
  return store.transaction(() => {
    const approved: ActionRecord[] = [];
    const asked: ActionRecord[] = [];
    let answer: OwnerAnswer | undefined;
    if (!store.inbox.markDecided(event.id, now)) return { approved, asked };
    for (const id of coalesced) store.inbox.markDecided(id, now);
    // Rows are read back by pages and answers: what the model said is stored without any secret it quoted.
    const summary = boundText(decision.summary, MAX_FIELD_CHARS, secretMask());
    const decisionId = store.decisions.insert({ eventId: event.id, act: decision.act, summary, model, subject: eventSubjectKey(event) }, now);
    const usage = result.usage ? { usage: result.usage } : {};
    const together = coalesced.length ? { coalesced: [...coalesced] } : {};
    const looked = {
      ...(result.toolCalls !== undefined ? { toolCalls: result.toolCalls } : {}),
      ...(result.limit ? { limit: result.limit } : {}),
    };
    journal.stage(eventRecord('decision.made', { eventId: event.id, kind: event.kind, ...together, ...decision, model, ...usage, ...looked }, now));
    const proposals = decision.act ? decision.proposals : [];
    const origin = { eventId: event.id, decisionId, now, whenAsked: { wait: true, expiresAt } } as const;
    const fates: ProposalFate[] = [];
    const judge = (proposal: (typeof proposals)[number]) => {
      const { state, record } = propose({ store, gate, journal }, proposal, origin);
      if (state === 'approved') approved.push(record);
      else if (state === 'awaiting_approval') asked.push(record);
      return { action: record.action, params: record.params, state, actionId: record.id, reason: record.reason ?? '' };
    };
    for (const proposal of proposals) fates.push(judge(proposal));
    if (heard.thirdParty) {
      const { login, repo, number } = heard.thirdParty;
      journal.stage(eventRecord('owner.mention_ignored', { eventId: event.id, login, repo, number, reason: 'not the owner: decided as third-party data' }, now));
    }
    const { instruction } = heard;
    if (instruction) {
      const text = answerText(summary, fates);
      answer = { eventId: event.id, via: instruction.via, act: decision.act, summary, proposals: fates, text };
      const where = instruction.thread ? { repo: instruction.thread.repo, number: instruction.thread.number } : {};
      journal.stage(eventRecord('owner.instruction', { eventId: event.id, via: instruction.via, ...where, proposals: fates.length }, now));
      // The answer goes back the way the owner spoke, and through the policy like any other proposal.
      judge(replyProposal(instruction, text));
    }
    if (tick) recordDecidedTick(store, tick, now);
    return { approved, asked, ...(answer ? { answer } : {}) };
  });
}

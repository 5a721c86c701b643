import { eventRecord, type EventRecord } from '../events.js';
import { boundText, MAX_FIELD_CHARS } from '../logs/index.js';
import type { Decision, DecisionResult } from '../model/index.js';
import { secretMask } from '../secrets/index.js';
import type { PgEvent, PgStore, PgTx } from '../store/index.js';
import { recordDecidedTeamTick } from '../tick/index.js';
import { answerText, replyProposal, type Instruction, type ProposalFate } from './instruction.js';
import type { OwnerAnswer } from './commit.js';
import { eventSubjectKey } from './subject.js';
import { parseBody } from './team-group.js';
import { LeaseLost } from './team-model-call.js';
import type { TeamProposals } from './team-proposals.js';

/**
 * What a team node commits for the events it decided (issue 19): each decision with its
 * proposals (through the policy gate) and log lines, in the caller's transaction — the
 * one that first marks the events decided, which succeeds only while this node still
 * holds their leases. A decided tick leaves its world mark there as the team's baseline
 * (src/tick/team-world.ts), so the next quiet slot costs no call.
 */

/** Someone else's `@vigil` in a comment: decided as third-party data, and logged so. */
export interface ThirdParty {
  eventId: number;
  login: string;
  repo: string;
  number: number;
}

/** One event's outcome, committed with others or alone. */
export type Decided =
  | {
      event: PgEvent;
      decision: Decision;
      result?: Omit<DecisionResult, 'decision'>;
      /** The events decided together with `event` (`github.coalesceSeconds`): marked decided with it, or none is. */
      coalesced?: readonly PgEvent[];
      /** The owner's words `event` carries: the answer goes back the way they spoke, through the policy. */
      instruction?: Instruction;
      /** Third parties' mentions among the events decided. */
      mentions?: readonly ThirdParty[];
    }
  | { event: PgEvent; setAside: { type: 'event.own' | 'event.skipped'; reason: string } };

/** Every event an outcome settles: its own and those coalesced into it. */
export function eventsOf(item: Decided): PgEvent[] {
  return 'coalesced' in item && item.coalesced ? [item.event, ...item.coalesced] : [item.event];
}

/**
 * The log lines of `decided`, its rows written in `tx`. An event whose lease this node
 * lost meanwhile is left out (another node may hold it); a coalesced group this node no
 * longer holds whole throws LeaseLost, so that the transaction rolls back and nothing of
 * the group is decided here.
 */
export async function writeDecided(store: PgStore, proposals: TeamProposals, tx: PgTx, decided: readonly Decided[], now: number): Promise<EventRecord[]> {
  const records: EventRecord[] = [];
  for (const item of decided) {
    const { event } = item;
    if ('setAside' in item) {
      const { type, reason } = item.setAside;
      if (await store.inbox.markDecided(tx, event.id, 'filtered')) records.push(eventRecord(type, { eventId: event.id, kind: event.kind, reason }, now));
      continue;
    }
    const others = item.coalesced ?? [];
    if (others.length) {
      const ids = [event.id, ...others.map((o) => o.id)];
      if ((await store.inbox.markAllDecided(tx, ids)) !== ids.length) throw new LeaseLost(ids);
    } else if (!(await store.inbox.markDecided(tx, event.id))) continue;
    const { decision } = item;
    const { model, ...looked } = item.result ?? { model: 'rules' };
    const summary = boundText(decision.summary, MAX_FIELD_CHARS, secretMask());
    const subject = eventSubjectKey({ source: event.source, payload: event.body.toString('utf8') });
    const decisionId = await store.decisions.insert(tx, { eventId: event.id, act: decision.act, summary, model, ...(subject ? { subject } : {}) });
    const together = others.length ? { coalesced: others.map((o) => o.id) } : {};
    records.push(eventRecord('decision.made', { eventId: event.id, kind: event.kind, ...together, ...decision, summary, model, ...looked }, now));
    const fates: ProposalFate[] = [];
    for (const proposal of decision.act ? decision.proposals : []) {
      const { record, fate } = await proposals.propose(tx, proposal, event.id, decisionId, now);
      records.push(record);
      fates.push(fate);
    }
    for (const m of item.mentions ?? []) {
      records.push(eventRecord('owner.mention_ignored', { eventId: m.eventId, login: m.login, repo: m.repo, number: m.number, reason: 'not the owner: decided as third-party data' }, now));
    }
    const { instruction } = item;
    if (instruction) {
      const where = instruction.thread ? { repo: instruction.thread.repo, number: instruction.thread.number } : {};
      records.push(eventRecord('owner.instruction', { eventId: event.id, via: instruction.via, ...where, proposals: fates.length }, now));
      const text = answerText(summary, fates);
      // For the node whose `POST /api/ask` waits (src/daemon/team-asks.ts), whichever node this is.
      const answer: OwnerAnswer = { eventId: event.id, via: instruction.via, act: decision.act, summary, proposals: fates, text };
      await store.decisions.setAnswer(tx, decisionId, answer);
      records.push((await proposals.propose(tx, replyProposal(instruction, text), event.id, decisionId, now)).record);
    }
    // After its proposals: approvals the tick itself asked for are not news to the next one.
    if (event.source === 'tick') await recordDecidedTeamTick(store.ticks, tx, event.id, parseBody(event));
  }
  return records;
}

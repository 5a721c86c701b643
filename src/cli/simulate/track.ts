import type { LogEntry } from '../../logs/index.js';

/** What became of one proposal of the delivery's decision. */
export interface ProposalFate {
  action: string;
  params: unknown;
  rationale: string;
  /** allowed, asked (an approval waits), denied; undefined until its record is read. */
  fate?: 'allowed' | 'asked' | 'denied';
  actionId?: string;
  reason?: string;
  /** The run of an allowed action, when it ended within the wait. */
  ran?: { ok: true; result: unknown; at: string } | { ok: false; error: string; at: string };
}

export interface Outcome {
  type: 'decision.made' | 'event.own' | 'event.skipped' | 'event.filtered';
  at: string;
  reason?: string;
  act?: boolean;
  summary?: string;
  model?: string;
  /** The event the decision was recorded under, when this one was decided together with others. */
  decidedWith?: number;
}

/** One thing the tracker learnt, in the order the log said it. */
export type Step =
  | { kind: 'received'; at: string }
  | { kind: 'outcome'; outcome: Outcome }
  | { kind: 'decision_failed'; at: string; error: string; retryAt: string }
  | { kind: 'fate'; index: number; at: string }
  | { kind: 'ran'; index: number };

const FATES: Record<string, ProposalFate['fate']> = { 'action.allowed': 'allowed', 'approval.requested': 'asked', 'action.denied': 'denied' };

/**
 * Follows one delivery through the daemon's log: its `event.received`, then its outcome
 * (`decision.made`, or `event.own` / `event.skipped` / `event.filtered`), the fate of each
 * proposal and the run of the allowed ones. Proposal records carry their action id, not
 * the event's: the decision stages them right after its `decision.made` in one
 * transaction (src/initiative), so they are the next proposal records in the log, in
 * the decision's order — in the deciding node's chain, on a team.
 */
export class DeliveryTracker {
  received?: string;
  outcome?: Outcome;
  proposals: ProposalFate[] = [];
  private awaitingFates = 0;
  /** The node whose chain holds the decision (a team's, issue 19; undefined on a home): its fates follow it there. */
  private decidedOn: unknown;

  constructor(readonly eventId: number) {}

  feed(entry: LogEntry): Step[] {
    const id = this.eventId;
    if (entry.type === 'event.received' && entry.eventId === id) {
      this.received = entry.ts;
      return [{ kind: 'received', at: entry.ts }];
    }
    if (this.outcome === undefined && entry.eventId === id && (entry.type === 'event.own' || entry.type === 'event.skipped' || entry.type === 'event.filtered')) {
      this.outcome = { type: entry.type, at: entry.ts, reason: String(entry.reason ?? '') };
      return [{ kind: 'outcome', outcome: this.outcome }];
    }
    if (this.outcome === undefined && entry.type === 'decision.failed' && entry.eventId === id) {
      return [{ kind: 'decision_failed', at: entry.ts, error: String(entry.error ?? ''), retryAt: String(entry.retryAt ?? '') }];
    }
    const together = Array.isArray(entry.coalesced) && entry.coalesced.includes(id);
    if (this.outcome === undefined && entry.type === 'decision.made' && (entry.eventId === id || together)) {
      const act = entry.act === true;
      this.outcome = {
        type: 'decision.made',
        at: entry.ts,
        act,
        summary: String(entry.summary ?? ''),
        model: String(entry.model ?? ''),
        ...(together ? { decidedWith: entry.eventId as number } : {}),
      };
      const proposals = act && Array.isArray(entry.proposals) ? (entry.proposals as { action: string; params: unknown; rationale: string }[]) : [];
      this.proposals = proposals.map((p) => ({ action: String(p.action), params: p.params, rationale: String(p.rationale ?? '') }));
      this.awaitingFates = this.proposals.length;
      this.decidedOn = entry['node'];
      return [{ kind: 'outcome', outcome: this.outcome }];
    }
    const fate = FATES[entry.type];
    // A team's chains are merged by time: another node's proposal records may come in between.
    if (fate && this.awaitingFates > 0 && entry['node'] === this.decidedOn) {
      const index = this.proposals.length - this.awaitingFates;
      this.awaitingFates--;
      Object.assign(this.proposals[index]!, { fate, actionId: String(entry.actionId), reason: String(entry.reason ?? '') });
      return [{ kind: 'fate', index, at: entry.ts }];
    }
    if ((entry.type === 'action.succeeded' || entry.type === 'action.failed') && typeof entry.actionId === 'string') {
      const index = this.proposals.findIndex((p) => p.actionId === entry.actionId);
      if (index < 0 || this.proposals[index]!.ran) return [];
      this.proposals[index]!.ran =
        entry.type === 'action.succeeded' ? { ok: true, result: entry.result, at: entry.ts } : { ok: false, error: String(entry.error ?? ''), at: entry.ts };
      return [{ kind: 'ran', index }];
    }
    return [];
  }

  /** Decided (or set aside), every proposal's fate known. */
  get decided(): boolean {
    return this.outcome !== undefined && this.awaitingFates === 0;
  }

  /** Decided, and every allowed action has run. */
  get settled(): boolean {
    return this.decided && this.proposals.every((p) => p.fate !== 'allowed' || p.ran !== undefined);
  }
}

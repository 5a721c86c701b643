/**
 * Decisions on a team's shared inbox (issue 19). Every node runs one: it claims the next
 * event with a lease (`FOR UPDATE SKIP LOCKED`, src/store/pg/leases.ts), decides it with
 * the offline `rules` provider, and commits the decision, its proposals (through the
 * policy gate, as `propose` does on SQLite) and their log lines in one transaction that
 * first marks the event decided — which succeeds only while this node still holds the
 * lease. A node that lost its lease rolls back: the event is decided once, by whichever
 * node holds it, however many nodes run.
 *
 * Not yet here (docs/architecture.md, "PostgreSQL (issue 19)"): model providers, whose
 * prompt reads the SQLite store's context; coalescing; vigil's own echoes (what a node's
 * worker writes on GitHub comes back as deliveries decided like any other).
 */
import type { DecisionRule, PermissionsConfig } from '../config/index.js';
import type { Clock } from '../clock.js';
import { eventRecord, type EventRecord } from '../events.js';
import { boundText, boundValue, MAX_FIELD_CHARS } from '../logs/index.js';
import { applyRules, DecisionInput, type Decision } from '../model/index.js';
import { PolicyGate } from '../policy/index.js';
import { secretMask } from '../secrets/index.js';
import { newActionId, type PgEvent, type PgStore, type PgTx } from '../store/index.js';
import { expireTeamApprovals } from './team-approvals.js';

export interface TeamDecisionsDeps {
  store: PgStore;
  clock: Clock;
  rules: readonly DecisionRule[];
  permissions: Readonly<PermissionsConfig>;
  leaseSeconds: number;
  /** A decision that could not be committed (the database away); its event is given back. */
  failed: (err: unknown) => void;
  /** A batch committed actions the policy allowed, or asks to notify: the node's worker may look now. */
  approved?: () => void;
}

/** Besides being woken by its own intake, a node looks this often: other nodes' deliveries, dead nodes' lapsed leases. */
const POLL_MS = 1000;
/** How often a node looks for approvals whose time ran out. */
const EXPIRY_EVERY_MS = 15_000;
/** Events claimed and committed together: one fsync for all of them. */
const BATCH = 16;

export class TeamDecisions {
  private gate: PolicyGate;
  private rules: readonly DecisionRule[];
  private permissions: Readonly<PermissionsConfig>;
  private running: Promise<void> | undefined;
  private again = false;
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  private expiredAt = -Infinity;
  private expiring = false;

  constructor(private readonly deps: TeamDecisionsDeps) {
    this.gate = new PolicyGate(deps.permissions);
    this.rules = deps.rules;
    this.permissions = deps.permissions;
  }

  start(): void {
    const poll = () => {
      this.wake();
      void this.expireIfDue();
      if (!this.stopping) this.timer = setTimeout(poll, POLL_MS).unref();
    };
    poll();
  }

  /**
   * Approvals whose time ran out move to `expired` (expired means denied), each logged
   * once: every node looks, the guarded UPDATE lets one move each.
   */
  private async expireIfDue(): Promise<void> {
    const now = this.deps.clock.now();
    if (this.expiring || now - this.expiredAt < EXPIRY_EVERY_MS) return;
    this.expiring = true;
    this.expiredAt = now;
    try {
      await expireTeamApprovals(this.deps.store, this.deps.clock);
    } catch (err) {
      this.deps.failed(err);
    } finally {
      this.expiring = false;
    }
  }

  /** The config was reloaded. */
  reconfigure(rules: readonly DecisionRule[], permissions: Readonly<PermissionsConfig>): void {
    this.rules = rules;
    this.permissions = permissions;
    this.gate = new PolicyGate(permissions);
  }

  wake(): void {
    if (this.stopping) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => (this.running = undefined));
  }

  /** Take no more events; wait (at most `drainMs`) for the decision in flight. */
  async stop(drainMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    if (this.running) await Promise.race([this.running, new Promise((r) => setTimeout(r, drainMs).unref())]);
  }

  private async drain(): Promise<void> {
    do {
      this.again = false;
      for (;;) {
        if (this.stopping) return;
        let events: PgEvent[];
        try {
          events = await this.deps.store.inbox.claim(BATCH);
        } catch (err) {
          this.deps.failed(err);
          return;
        }
        if (events.length === 0) break;
        await this.decide(events);
      }
    } while (this.again && !this.stopping);
  }

  /**
   * Decides claimed events and commits them together: one transaction, one fsync for the
   * batch. An event whose lease this node lost meanwhile is left out (another node may
   * hold it); returns how many this node decided.
   */
  async decide(events: readonly PgEvent[]): Promise<number> {
    const { store } = this.deps;
    const decided = events.map((event) => ({ event, decision: this.ruleDecision(event) }));
    try {
      const committed = await store.transaction(async (tx) => {
        const now = this.deps.clock.now();
        const records: EventRecord[] = [];
        let count = 0;
        for (const { event, decision } of decided) {
          if (!(await store.inbox.markDecided(tx, event.id))) continue;
          const summary = boundText(decision.summary, MAX_FIELD_CHARS, secretMask());
          const decisionId = await store.decisions.insert(tx, { eventId: event.id, act: decision.act, summary, model: 'rules' });
          records.push(eventRecord('decision.made', { eventId: event.id, kind: event.kind, ...decision, summary, model: 'rules' }, now));
          for (const proposal of decision.act ? decision.proposals : []) records.push(await this.propose(tx, proposal, event.id, decisionId, now));
          count++;
        }
        await store.log.append(tx, records);
        return { count, approved: records.some((r) => r.type === 'action.allowed' || r.type === 'approval.requested') };
      });
      if (committed.approved) this.deps.approved?.();
      return committed.count;
    } catch (err) {
      // Rolled back: nothing of the batch is decided; the events wait for the next claim.
      this.deps.failed(err);
      for (const { event } of decided) await store.inbox.release(event.id).catch(() => false);
      return 0;
    }
  }

  private ruleDecision(event: PgEvent): Decision {
    let payload: unknown;
    try {
      payload = JSON.parse(event.body.toString('utf8'));
    } catch {
      // The intake stored only JSON: a body that no longer parses is not for a rule.
      payload = null;
    }
    const decisionEvent = { id: event.id, source: event.source, kind: event.kind, payload, ...(event.deliveryId ? { deliveryId: event.deliveryId } : {}) };
    const parsed = DecisionInput.safeParse(applyRules(this.rules, decisionEvent).decision);
    return parsed.success ? parsed.data : { act: false, summary: `${event.kind}: the rules' decision is invalid: ${parsed.error.issues[0]?.message ?? ''}`, proposals: [] };
  }

  /** The policy gate's verdict decides the action's state, as `propose` does on SQLite; returns its log line. */
  private async propose(tx: PgTx, proposal: Decision['proposals'][number], eventId: number, decisionId: number, now: number): Promise<EventRecord> {
    const judgement = this.gate.judge(proposal);
    const { verdict, reason } = judgement;
    const denied = verdict === 'deny';
    const mask = secretMask();
    const params = judgement.params ?? proposal.params;
    const id = newActionId();
    const action = denied ? boundText(proposal.action, 200, mask) : proposal.action;
    const state = verdict === 'allow' ? 'approved' : verdict === 'ask' ? 'awaiting_approval' : 'denied';
    const expiresAt = now + this.permissions.approvalTtlHours * 3_600_000;
    await this.deps.store.actions.insert(tx, {
      id,
      eventId,
      decisionId,
      action,
      params: denied ? boundValue(params, mask) : params,
      rationale: boundText(proposal.rationale, MAX_FIELD_CHARS, mask),
      ...(judgement.repo ? { repo: judgement.repo } : {}),
      state,
      verdict,
      reason: boundText(reason, MAX_FIELD_CHARS, mask),
      ...(state === 'awaiting_approval' ? { expiresAt } : {}),
    });
    if (state === 'approved') return eventRecord('action.allowed', { actionId: id, action, reason }, now);
    if (state === 'denied') return eventRecord('action.denied', { actionId: id, action, reason }, now);
    // The owner's notice commits with the ask: no ask without its notice, none twice (a unique key).
    await this.deps.store.notify.enqueue(tx, `approval:${id}`, 'approval', { actionId: id }, now);
    return eventRecord('approval.requested', { actionId: id, action, params, expiresAt: new Date(expiresAt).toISOString(), reason }, now);
  }
}

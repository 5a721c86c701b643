/**
 * Decisions on a team's shared inbox (issue 19). Every node runs one: it claims the next
 * event with a lease (`FOR UPDATE SKIP LOCKED`, src/store/pg/leases.ts), decides it, and
 * commits the decision, its proposals (through the policy gate, as `propose` does on
 * SQLite) and their log lines in one transaction that first marks the event decided —
 * which succeeds only while this node still holds the lease. A node that lost its lease
 * rolls back: the event is decided once, by whichever node holds it, however many run.
 *
 * With the offline `rules` provider a node claims and commits events by batches. With a
 * model (anthropic, openai-compatible) it claims one group at a time, so the other nodes
 * take the rest: the events that belong together (`github.coalesceSeconds`: one CI run's
 * deliveries, a burst on one issue) once their subject has been quiet that long, whole,
 * whichever nodes took them in (src/store/pg/inbox-groups.ts) — else one event. Rules
 * first, per event (team-group.ts: `model.skipEvents` sets it aside, a rule marked
 * `"decide": "rules"` decides it, neither calls the model); what is left the model decides
 * as one event with the prompt the home's decisions use (request.ts), its context read
 * from PostgreSQL (team-context.ts), the call made outside any transaction while the node
 * renews the group's lease (team-model-call.ts); the decision marks every event of the
 * group decided in its transaction, or none. A failed call gives the group back and this
 * node waits (backoff, the circuit) before it claims again.
 *
 * The model may look first with read-only tools (teamDecisionToolbox: local clones, GitHub
 * through the node's worker, vigil's history from the team's tables).
 *
 * vigil's own echoes are set aside first, whatever the provider (team-own-echo.ts).
 *
 * A decided tick leaves its world mark as the team's baseline in the same transaction
 * (src/tick/team-world.ts, team-commit.ts): the next slot that finds the world there costs no call.
 *
 * The owner's `@vigil` (a comment GitHub says the owner wrote: instruction.ts) is decided
 * as their instruction, alone, and answered on its thread through the policy, as on SQLite;
 * anyone else's `@vigil` is data (`owner.mention_ignored`).
 */
import type { Clock } from '../clock.js';
import { eventRecord, type EventRecord } from '../events.js';
import { failpoint } from '../failpoints.js';
import { applyRules, callRecords, DecisionInput, ModelCallError, type CircuitStatus, type Decision, type DecisionResult, type ModelObserver } from '../model/index.js';
import type { PgEvent, PgStore, PgTx } from '../store/index.js';
import type { TickPayload } from '../tick/index.js';
import { coalescedPayload } from './coalesce.js';
import { decisionRequest } from './request.js';
import { teamContext, teamMemoryIndex } from './team-context.js';
import { eventsOf, writeDecided, type Decided } from './team-commit.js';
import { parseBody, sortGroup } from './team-group.js';
import { hear, instructionEventPayload, OWNER_INSTRUCTION } from './instruction.js';
import { decideHoldingLease, LeaseLost } from './team-model-call.js';
import { TeamProposals, type TeamDecider } from './team-proposals.js';
import { expireTeamApprovals } from './team-approvals.js';
import { ownEcho } from './own-echo.js';
import { teamEchoes } from './team-own-echo.js';

export type { TeamDecider } from './team-proposals.js';

export interface TeamDecisionsDeps {
  store: PgStore;
  clock: Clock;
  decider: TeamDecider;
  leaseSeconds: number;
  /** A decision that could not be committed (the database away); its event is given back. */
  failed: (err: unknown) => void;
  /** A batch committed actions the policy allowed, or asks to notify: the node's worker may look now. */
  approved?: () => void;
  /** Log lines of no decision's transaction: a failed call, a retry, the circuit. */
  record: (records: EventRecord[]) => Promise<void>;
  /** Whether this node's desktop shows a new ask now (TeamProposals). */
  desktopShows?: (tx: PgTx, now: number) => Promise<boolean>;
}

/** Besides being woken by its own intake, a node looks this often: other nodes' deliveries, dead nodes' lapsed leases. */
const POLL_MS = 1000;
/** How often a node looks for approvals whose time ran out. */
const EXPIRY_EVERY_MS = 15_000;
/** Events claimed and committed together by the rules provider: one fsync for all of them. */
const BATCH = 16;
/** After a failed model call this node waits this long, doubling with the event's attempts, up to an hour. */
const RETRY_MS = 60_000;
const MAX_RETRY_MS = 3_600_000;
/**
 * A coalesced group is due at the latest this many windows after its oldest event, and
 * holds at most this many events: a subject that never goes quiet is still decided, and a
 * flood on one issue is not one prompt.
 */
const MAX_HOLD_WINDOWS = 10;
const MAX_GROUP = 50;

export class TeamDecisions {
  private proposals: TeamProposals;
  private running: Promise<void> | undefined;
  private again = false;
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  /** No event is claimed for the model before this (a failed call's backoff). */
  private notBefore = 0;
  private readonly stopSignal = new AbortController();
  private logged: Promise<void> = Promise.resolve();
  private expiredAt = -Infinity;
  private expiring = false;

  constructor(private readonly deps: TeamDecisionsDeps) {
    this.proposals = new TeamProposals(deps.store, deps.decider.permissions, deps.desktopShows);
  }

  private get decider(): TeamDecider {
    return this.deps.decider;
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

  /** The model's circuit breaker as this node's provider sees it (\`vigil status\`); none for the rules provider. */
  circuitStatus(): CircuitStatus | undefined {
    return this.decider.provider.circuitStatus?.(this.deps.clock.now());
  }

  /** The config was reloaded: the next claim decides with the new provider, rules and permissions. */
  reconfigure(decider: TeamDecider): void {
    this.deps.decider = decider;
    this.proposals = new TeamProposals(this.deps.store, decider.permissions, this.deps.desktopShows);
    this.notBefore = 0;
  }

  wake(): void {
    if (this.stopping) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => (this.running = undefined));
  }

  /** Take no more events; abort a model call in flight (its event waits as pending); wait at most `drainMs`. */
  async stop(drainMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    this.stopSignal.abort(new Error('vigil is stopping'));
    if (this.running) await Promise.race([this.running, new Promise((r) => setTimeout(r, drainMs).unref())]);
    await this.logged;
  }

  private async drain(): Promise<void> {
    do {
      this.again = false;
      for (;;) {
        if (this.stopping || this.waiting()) return;
        const byModel = this.decider.triage.modelDecides;
        let events: PgEvent[];
        try {
          events = await this.claim(byModel);
        } catch (err) {
          this.deps.failed(err);
          return;
        }
        if (events.length === 0) break;
        // A crash test kills the node here (VIGIL_FAILPOINTS): events claimed, nothing decided.
        await failpoint('decide.delay');
        if (byModel) await this.decideGroup(events);
        else await this.commit(await Promise.all(events.map(async (event) => (await this.ownEcho(event)) ?? this.ruleDecided(event))));
      }
    } while (this.again && !this.stopping);
  }

  /**
   * The rules provider: a batch, every event at once (it makes no call, and matches each
   * rule against one delivery: coalescing would only delay it). A model: the next due
   * group (one event when `github.coalesceSeconds` is 0).
   */
  private claim(byModel: boolean): Promise<PgEvent[]> {
    const { inbox } = this.deps.store;
    const windowMs = this.decider.coalesceMs;
    if (!byModel) return inbox.claim(BATCH);
    if (windowMs <= 0) return inbox.claim(1);
    return inbox.claimGroup({ windowMs, maxHoldMs: windowMs * MAX_HOLD_WINDOWS, maxRows: MAX_GROUP });
  }

  /** A model provider after a failed call, or with its circuit open: events wait in the inbox for other nodes or for later. */
  private waiting(): boolean {
    if (!this.decider.triage.modelDecides) return false;
    const now = this.deps.clock.now();
    return now < this.notBefore || this.decider.provider.blockedUntil?.(now) !== undefined;
  }

  /** Rules first, per event; then the model for the rest, as one event, outside any transaction, the leases renewed meanwhile. */
  private async decideGroup(events: readonly PgEvent[]): Promise<void> {
    const { triage, voice } = this.decider;
    const { decided, forModel } = await sortGroup(events, { triage, voice, ownEcho: (event) => this.ownEcho(event), checked: (event, d) => this.checked(event, d) });
    if (decided.length) await this.commit(decided);
    // An instruction is decided alone; what was claimed with it goes back, due at once, for the next claim.
    const spoken = forModel.find((f) => f.instruction);
    if (spoken) for (const f of forModel) if (f !== spoken) await this.deps.store.inbox.release(f.event.id).catch(() => false);
    const [lead, ...others] = spoken ? [spoken] : forModel;
    if (!lead) return;
    const { instruction } = lead;
    const { event } = lead;
    const { store, clock, leaseSeconds } = this.deps;
    const { provider, toolbox } = this.decider;
    const tick = event.source === 'tick' ? (lead.payload as TickPayload) : undefined;
    const payload = others.length ? coalescedPayload(lead.payload, others) : lead.payload;
    const parts = {
      clock,
      permissions: this.decider.permissions,
      repos: this.decider.repos,
      context: teamContext(store),
      memory: () => teamMemoryIndex(store),
      ...(this.decider.owner ? { owner: this.decider.owner } : {}),
      ...(this.decider.heartbeatFile ? { heartbeatFile: this.decider.heartbeatFile } : {}),
    };
    const group = [lead, ...others].map((f) => f.event);
    let result: DecisionResult;
    try {
      result = await decideHoldingLease({ store, provider, leaseSeconds, stopping: this.stopSignal.signal }, group.map((e) => e.id), (signal) =>
        decisionRequest(parts, event, payload, tick, {
          ...(instruction ? { instruction } : {}),
          observer: this.observer(event),
          signal,
          ...(toolbox ? { investigation: () => toolbox.investigation(event.id) } : {}),
        }),
      );
    } catch (err) {
      await this.giveBack(group, err);
      return;
    }
    const { decision, ...rest } = result;
    this.notBefore = 0;
    const mentions = [lead, ...others].flatMap((f) => (f.thirdParty ? [f.thirdParty] : []));
    await this.commit([{
      event,
      decision,
      result: rest,
      ...(others.length ? { coalesced: others.map((o) => o.event) } : {}),
      ...(instruction ? { instruction } : {}),
      ...(mentions.length ? { mentions } : {}),
    }]);
  }

  /** The events return to the inbox undecided (unless another node holds them now) and this node backs off. */
  private async giveBack(group: readonly PgEvent[], err: unknown): Promise<void> {
    const now = this.deps.clock.now();
    const event = group[0]!;
    // Only rows this node still holds are released: another node's claim is left alone.
    for (const e of group) await this.deps.store.inbox.release(e.id).catch(() => false);
    if (err instanceof LeaseLost) return this.log([eventRecord('decision.failed', { eventId: event.id, kind: event.kind, error: err.message, retryAt: new Date(now).toISOString() }, now)]);
    const stopping = err instanceof ModelCallError && err.aborted;
    const backoff = Math.min(MAX_RETRY_MS, RETRY_MS * 2 ** Math.max(0, event.attempts - 1));
    this.notBefore = stopping ? 0 : err instanceof ModelCallError && err.retryAt !== undefined ? err.retryAt : now + backoff;
    const error = err instanceof Error ? err.message : String(err);
    const retryAt = new Date(Math.max(this.notBefore, now)).toISOString();
    await this.log([eventRecord('decision.failed', { eventId: event.id, kind: event.kind, error, retryAt }, now)]);
  }

  /** Model calls become usage rows at once (tokens are spent even if the decision fails); the rest, log lines. */
  private observer(event: PgEvent): ModelObserver {
    const { store, clock } = this.deps;
    const line = (record: EventRecord) => void this.log([record]);
    return {
      call: (call) => void store.usage.record(call).catch((err: unknown) => this.deps.failed(err)),
      invalid: (invalid) => line(eventRecord('decision.invalid', { eventId: event.id, kind: event.kind, ...invalid }, clock.now())),
      recovered: (recovered) => line(eventRecord('decision.recovered', { eventId: event.id, kind: event.kind, ...recovered }, clock.now())),
      ...callRecords(line, () => clock.now()),
    };
  }

  /** In order, one after the other; a line the database refuses is reported, never thrown. */
  private log(records: EventRecord[]): Promise<void> {
    this.logged = this.logged.then(() => this.deps.record(records)).catch((err: unknown) => this.deps.failed(err));
    return this.logged;
  }

  /**
   * Commits decided events together: one transaction, one fsync for the batch (team-commit.ts).
   * An event whose lease this node lost meanwhile is left out (another node may hold it).
   */
  private async commit(decided: readonly Decided[]): Promise<void> {
    const { store } = this.deps;
    try {
      const approved = await store.transaction(async (tx) => {
        const records = await writeDecided(store, this.proposals, tx, decided, this.deps.clock.now());
        await store.log.append(tx, records);
        return records.some((r) => r.type === 'action.allowed' || r.type === 'approval.requested');
      });
      if (approved) this.deps.approved?.();
    } catch (err) {
      // Rolled back: nothing of the batch is decided; the events wait for the next claim.
      this.deps.failed(err);
      for (const event of decided.flatMap(eventsOf)) await store.inbox.release(event.id).catch(() => false);
    }
  }

  /**
   * vigil's own write coming back (own-echo.ts, over the team's actions): set aside as on
   * SQLite, never decided — a comment must not be answered by a comment. A lookup the
   * database refuses leaves the event to be decided (the commit's failure then gives it back).
   */
  private async ownEcho(event: PgEvent): Promise<Decided | undefined> {
    const now = this.deps.clock.now();
    const echo = { source: event.source, kind: event.kind, payload: parseBody(event) };
    let echoes;
    try {
      echoes = await teamEchoes(this.deps.store, echo, now);
    } catch (err) {
      this.deps.failed(err);
      return undefined;
    }
    const reason = ownEcho(echo, { echoes, now, ownerLogin: this.decider.triage.ownerLogin });
    return reason ? { event, setAside: { type: 'event.own', reason } } : undefined;
  }

  /**
   * The offline provider's decision: every config rule, as the rules provider decides on
   * SQLite — the owner's instruction as an `owner.instruction` event (answered the way they
   * spoke), a third party's mention as the comment it is.
   */
  private ruleDecided(event: PgEvent): Decided {
    const payload = parseBody(event);
    const heard = hear(event, payload, this.decider.voice);
    const deliveryId = event.deliveryId ? { deliveryId: event.deliveryId } : {};
    if (heard?.from === 'owner') {
      const { instruction } = heard;
      const spoken = { id: event.id, source: event.source, kind: OWNER_INSTRUCTION, payload: instructionEventPayload(instruction), ...deliveryId };
      return { event, decision: this.checked(event, applyRules(this.decider.rules, spoken).decision), instruction };
    }
    const decision = this.checked(event, applyRules(this.decider.rules, { id: event.id, source: event.source, kind: event.kind, payload, ...deliveryId }).decision);
    const mentions = heard ? [{ eventId: event.id, login: heard.login, repo: heard.repo, number: heard.number }] : [];
    return { event, decision, ...(mentions.length ? { mentions } : {}) };
  }

  private checked(event: PgEvent, decision: Decision): Decision {
    const parsed = DecisionInput.safeParse(decision);
    return parsed.success ? parsed.data : { act: false, summary: `${event.kind}: the rules' decision is invalid: ${parsed.error.issues[0]?.message ?? ''}`, proposals: [] };
  }
}

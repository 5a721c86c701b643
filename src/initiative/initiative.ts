import type { PermissionsConfig, WatchedRepo } from '../config/index.js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../clock.js';
import { eventRecord } from '../events.js';
import { failpoint } from '../failpoints.js';
import {
  DecisionInput,
  callRecords,
  ModelCallError,
  type CircuitStatus,
  type Decision,
  type DecisionRequest,
  type DecisionResult,
  type ModelObserver,
  type ModelProvider,
} from '../model/index.js';
import type { JournalWriter } from '../journal/index.js';
import { PolicyGate } from '../policy/index.js';
import type { ActionRecord, InboxEvent, Store } from '../store/index.js';
import type { TickPayload } from '../tick/index.js';
import { homeContext, readMemoryIndex } from './context.js';
import { decisionRequest } from './request.js';
import { OWN_ONLY, setAside, triage, type TriageConfig } from './triage.js';
import { Coalescer, coalescedPayload, type PendingRows } from './coalesce.js';
import type { Toolbox } from './toolbox.js';
import { hear, type Instruction, type OwnerVoice } from './instruction.js';
import type { OwnerProfile } from './owner.js';
import { commitDecision, type Heard, type OwnerAnswer } from './commit.js';

export type { OwnerAnswer } from './commit.js';

export interface InitiativeDeps {
  store: Store;
  journal: JournalWriter;
  clock: Clock;
  provider: ModelProvider;
  permissions: Readonly<PermissionsConfig>;
  repos: readonly WatchedRepo[];
  memoryDir: string;
  /** The daily logs: their tail is the prompt's recent activity. */
  logsDir?: string;
  /** Something became `approved`: the execution worker has work. */
  onApproved: () => void;
  /** Called between two decisions: lets intake run first (src/daemon/pacer.ts). */
  pace?: () => Promise<void>;
  /** The owner must answer: reach them (notify channels land with issue 6). */
  onApprovalRequested: (actions: ActionRecord[]) => void;
  /**
   * A decision met a store it could not use (another process's lock, a full disk):
   * report it and say when to try again (ms); rethrows what will not pass. Without it, errors propagate.
   */
  storeFailed?: (task: string, err: unknown) => number;
  storeRecovered?: (task: string) => void;
  /** What happens before the model (`triageConfig`): without it, only vigil's own echoes are set aside. */
  triage?: TriageConfig;
  /**
   * `github.coalesceSeconds` in ms: deliveries of one CI run, and bursts on one issue or
   * pull request, wait this long after the newest of them and are decided as one event.
   * Without it (0), or with the offline `rules` provider (`triage.modelDecides` false),
   * every event is decided alone and at once.
   */
  coalesceMs?: number;
  /** The read-only tools a model-backed decision may call before `decide` (issue 14); without it, one forced call. */
  toolbox?: Toolbox;
  /** Who the owner is and their zone (`owner` in config); without it, an unnamed owner in the system's zone. */
  owner?: OwnerProfile;
  /** `HEARTBEAT.md`, the owner's standing orders for ticks; missing or blank: the built-in default. */
  heartbeatFile?: string;
  /** Who speaks as the owner on GitHub (`owner.login`, `owner.handle`); without it, only `vigil ask` is the owner's voice. */
  voice?: OwnerVoice;
  /** An owner's instruction was decided: its answer (the summary and each proposal's fate). */
  onAnswered?: (answer: OwnerAnswer) => void;
}

/** One event taken for the model, and the owner's instruction or a third party's mention it carries. */
interface ForModel extends Heard {
  event: InboxEvent;
  payload: unknown;
}

const NO_VOICE: OwnerVoice = { handle: 'vigil' };

/**
 * How long a claimed event is ours. Only one daemon decides (the home lock), and its
 * claims are released at start, so the lease only has to outlast one decision with
 * all its retries.
 */
const LEASE_MS = 15 * 60_000;
/** While the coalescer holds a burst, events arriving re-check it at most this often. */
const HELD_RECHECK_MS = 100;
/** After a failed decision the inbox waits this long, doubling with the event's attempts, up to an hour. */
const RETRY_MS = 60_000;
const MAX_RETRY_MS = 3_600_000;

export type DecideOutcome = 'idle' | 'decided' | 'failed' | 'waiting';

/**
 * Takes events from the inbox one at a time, asks the model for a decision, runs
 * every proposal through the policy gate, and commits the decision, its actions and
 * the event's new state in one transaction: an event is decided exactly once. When
 * the model fails, the event goes back to the inbox; while the model's circuit is
 * open, events are not even taken from it.
 */
export class Initiative {
  private running: Promise<void> | undefined;
  private again = false;
  private stopping = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** No event is taken before this (a failed decision's backoff). */
  private notBefore = 0;
  /** The event of the decision in flight; after a store failure its claim is given back first. */
  private claimed: number[] = [];
  private toRelease: number[] = [];
  /** Every claimable event is held by the coalescer until then: the wake timer re-checks. */
  private heldUntil: number | undefined;
  private readonly coalescer: Coalescer;
  private readonly gate: PolicyGate;
  private readonly stopSignal = new AbortController();

  constructor(private readonly deps: InitiativeDeps) {
    this.gate = new PolicyGate(deps.permissions);
    this.coalescer = new Coalescer(deps.store, this.coalesceMs);
  }

  /** Decide everything waiting; calls while a pass runs make it go round once more. */
  wake(): void {
    if (this.stopping) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
    });
  }

  /** Abort the decision in flight (its event stays in the inbox), then take no more. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retryTimer);
    this.stopSignal.abort(new Error('vigil is stopping'));
    await this.running;
  }

  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  /** The model's circuit, for `vigil status`; undefined for providers without one (rules). */
  circuitStatus(): CircuitStatus | undefined {
    return this.deps.provider.circuitStatus?.(this.deps.clock.now());
  }

  private async drain(): Promise<void> {
    do {
      this.again = false;
      let outcome: DecideOutcome;
      for (;;) {
        try {
          outcome = await this.decideNext();
          this.deps.storeRecovered?.('decide');
        } catch (err) {
          if (!this.deps.storeFailed) throw err;
          // Nothing was committed, so nothing is decided twice; the event's claim is given
          // back before the next decision (release only touches a row still `claimed`).
          if (this.toRelease.length === 0) this.toRelease = [...this.claimed];
          this.notBefore = this.deps.clock.now() + this.deps.storeFailed('decide', err);
          outcome = 'waiting';
        }
        if (outcome !== 'decided' || this.stopping) break;
        await this.deps.pace?.();
      }
      if (outcome === 'failed' || outcome === 'waiting') {
        this.scheduleWake();
        // Held by the coalescer: an event that arrived meanwhile may be due (or extend the hold).
        if (this.heldUntil === undefined || !this.again) return;
        // …but a pass over held events reads every pending row of the burst, and deliveries
        // wake it one by one: at a steady 200/s on one subject that was a pass per delivery,
        // each longer than the last, on the loop that acknowledges them (issue 18).
        await sleep(HELD_RECHECK_MS);
      }
    } while (this.again && !this.stopping);
  }

  /**
   * Coalescing saves model calls and shows the model the whole burst. The offline `rules`
   * provider makes no call and matches each rule against one delivery, so there it would
   * only delay every rule by the window and hide a sibling's kind from its rules.
   */
  private get coalesceMs(): number {
    return this.deps.triage && !this.deps.triage.modelDecides ? 0 : (this.deps.coalesceMs ?? 0);
  }

  private scheduleWake(): void {
    if (this.stopping) return;
    clearTimeout(this.retryTimer);
    const at = Math.max(this.notBefore, this.deps.provider.blockedUntil?.(this.deps.clock.now()) ?? 0, this.heldUntil ?? 0);
    this.retryTimer = setTimeout(() => this.wake(), Math.max(0, at - this.deps.clock.now()) + 50);
    this.retryTimer.unref();
  }

  async decideNext(): Promise<DecideOutcome> {
    const { store, clock, provider } = this.deps;
    const now = clock.now();
    this.heldUntil = undefined;
    // While the circuit is open or a backoff runs, events wait in the inbox: not claimed, not failed.
    if (now < this.notBefore || provider.blockedUntil?.(now) !== undefined) return 'waiting';
    // One at a time, and only forgotten once released: a release that meets a locked store
    // throws, and the claims it did not give back must still be given back next time.
    while (this.toRelease.length) {
      store.inbox.release(this.toRelease[0]!);
      this.toRelease.shift();
    }
    this.claimed = [];
    const events = this.claimDue(now);
    if (events === 'held') return 'waiting';
    if (events.length === 0) return 'idle';
    this.claimed = events.map((e) => e.id);
    // Rules first, model second, per delivery: vigil's own echoes and skipped kinds are set
    // aside one by one and a rule may decide one alone; what is left goes to the model as one event.
    const forModel: ForModel[] = [];
    let ruleFailed = false;
    for (const event of events) {
      const payload = JSON.parse(event.payload) as unknown;
      const triaged = triage(event, payload, this.deps.triage ?? OWN_ONLY, { store, now });
      if (triaged.route === 'own' || triaged.route === 'skipped') {
        setAside(this.deps, event, triaged, now);
        continue;
      }
      // The owner speaking goes to the model whatever a rule says: a rule cannot answer them.
      const heard = hear(event, payload, this.deps.voice ?? NO_VOICE);
      if (heard?.from === 'owner') forModel.push({ event, payload, instruction: heard.instruction });
      else if (triaged.route === 'rules') ruleFailed = !this.decideByRules(event, triaged.decision) || ruleFailed;
      else forModel.push({ event, payload, ...(heard ? { thirdParty: heard } : {}) });
    }
    // An instruction is decided alone; what was claimed with it goes back for the next pass.
    const spoken = forModel.find((f) => f.instruction);
    if (spoken) for (const f of forModel) if (f !== spoken) store.inbox.release(f.event.id);
    const [lead, ...others] = spoken ? [spoken] : forModel;
    if (!lead) return ruleFailed ? 'failed' : 'decided';
    const tick = lead.event.source === 'tick' ? (lead.payload as TickPayload) : undefined;
    const payload = others.length ? coalescedPayload(lead.payload, others) : lead.payload;
    let result: DecisionResult;
    try {
      await failpoint('decide.delay');
      result = await provider.decide(this.request(lead.event, payload, tick, lead.instruction));
      const parsed = DecisionInput.safeParse(result.decision);
      if (!parsed.success) throw new Error(`invalid decide input: ${parsed.error.issues[0]?.message ?? ''}`);
      result = { ...result, decision: parsed.data };
    } catch (err) {
      for (const other of others) store.inbox.release(other.event.id);
      this.giveBack(lead.event, err);
      return 'failed';
    }
    this.commit(lead.event, others.map((o) => o.event.id), result, tick, lead);
    this.notBefore = 0;
    return 'decided';
  }

  /** A rule marked `"decide": "rules"` decides this event alone; false when its decision is invalid (the event goes back). */
  private decideByRules(event: InboxEvent, decision: Decision): boolean {
    const parsed = DecisionInput.safeParse(decision);
    if (!parsed.success) {
      this.giveBack(event, new Error(`invalid decide input: ${parsed.error.issues[0]?.message ?? ''}`));
      return false;
    }
    const tick = event.source === 'tick' ? (JSON.parse(event.payload) as TickPayload) : undefined;
    this.commit(event, [], { decision: parsed.data, model: 'rules' }, tick);
    return true;
  }

  /**
   * The next event and the pending events decided with it; `held` when every claimable
   * event waits for its burst to go quiet (`heldUntil` says until when).
   */
  private claimDue(now: number): InboxEvent[] | 'held' {
    const { inbox } = this.deps.store;
    this.heldUntil = undefined;
    if (!this.coalesceMs) {
      const event = inbox.claimNext(now, LEASE_MS);
      return event ? [event] : [];
    }
    const held: number[] = [];
    let heldUntil: number | undefined;
    // The pending GitHub rows are read once per pass, not once per event looked at.
    let pending: PendingRows | undefined;
    const pendingRows = () => (pending ??= inbox.pendingOf('github'));
    for (;;) {
      const event = inbox.peekNext(now, held);
      if (!event) {
        this.heldUntil = heldUntil;
        return heldUntil === undefined ? [] : 'held';
      }
      const group = this.coalescer.group(event, now, pendingRows);
      if (group.due) {
        const claimed = inbox.claimEvents(group.ids, now, LEASE_MS);
        if (claimed.length) return claimed;
      } else {
        // Its siblings wait with it: the next event looked at is another subject's.
        held.push(...group.ids);
        heldUntil = Math.min(heldUntil ?? Infinity, group.dueAt);
      }
    }
  }

  /** The event returns to the inbox undecided; nothing is lost, and it is tried again later. */
  private giveBack(event: InboxEvent, err: unknown): void {
    const { store, clock, journal } = this.deps;
    store.inbox.release(event.id);
    const now = clock.now();
    const backoff = Math.min(MAX_RETRY_MS, RETRY_MS * 2 ** Math.max(0, event.attempts - 1));
    const stopping = err instanceof ModelCallError && err.aborted;
    this.notBefore = stopping ? 0 : err instanceof ModelCallError && err.retryAt !== undefined ? err.retryAt : now + backoff;
    const error = err instanceof ModelCallError ? err.message : String((err as Error)?.message ?? err);
    const retryAt = new Date(Math.max(this.notBefore, now)).toISOString();
    journal.write(eventRecord('decision.failed', { eventId: event.id, kind: event.kind, error, retryAt }, now));
  }

  private request(event: InboxEvent, payload: unknown, tick: TickPayload | undefined, instruction?: Instruction): DecisionRequest {
    const { deps } = this;
    const parts = {
      clock: deps.clock,
      permissions: deps.permissions,
      repos: deps.repos,
      context: homeContext(deps.store, deps.logsDir),
      memory: () => readMemoryIndex(deps.memoryDir),
      ...(deps.owner ? { owner: deps.owner } : {}),
      ...(deps.heartbeatFile ? { heartbeatFile: deps.heartbeatFile } : {}),
    };
    return decisionRequest(parts, event, payload, tick, {
      ...(instruction ? { instruction } : {}),
      observer: this.observer(event),
      signal: this.stopSignal.signal,
      ...(deps.toolbox ? { investigation: () => deps.toolbox!.investigation(event.id) } : {}),
    });
  }

  /** Model calls become usage rows at once (tokens are spent even if the decision fails); the rest, log lines. */
  private observer(event: InboxEvent): ModelObserver {
    const { store, journal, clock } = this.deps;
    return {
      call: (call) => store.usage.record(call, clock.now()),
      invalid: (invalid) => journal.write(eventRecord('decision.invalid', { eventId: event.id, kind: event.kind, ...invalid }, clock.now())),
      recovered: (recovered) => journal.write(eventRecord('decision.recovered', { eventId: event.id, kind: event.kind, ...recovered }, clock.now())),
      ...callRecords((record) => journal.write(record), () => clock.now()),
    };
  }

  /** `coalesced`: the events decided together with `event` (`github.coalesceSeconds`), marked decided with it. */
  private commit(
    event: InboxEvent,
    coalesced: readonly number[],
    result: DecisionResult,
    tick: TickPayload | undefined,
    heard: Heard = {},
  ): void {
    const { store, journal, clock, permissions } = this.deps;
    const { approved, asked, answer } = commitDecision({ store, journal, gate: this.gate, permissions }, { event, coalesced, result, tick, heard, now: clock.now() });
    journal.flush();
    if (approved.length) this.deps.onApproved();
    if (asked.length) this.deps.onApprovalRequested(asked);
    if (answer) this.deps.onAnswered?.(answer);
  }
}

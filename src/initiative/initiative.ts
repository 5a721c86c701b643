import type { PermissionsConfig, WatchedRepo } from '../config/index.js';
import type { Clock } from '../clock.js';
import { eventRecord } from '../events.js';
import { failpoint } from '../failpoints.js';
import { DecisionInput, type Decision, type DecisionRequest, type ModelProvider } from '../model/index.js';
import { describePermissions, PolicyGate } from '../policy/index.js';
import type { ActionRecord, InboxEvent, Store } from '../store/index.js';
import { APPROVALS_VERSION_KEY, TickService, type TickPayload } from '../tick/index.js';
import { buildContext, readMemoryIndex } from './context.js';
import { buildPrompt } from './prompt.js';

export interface InitiativeDeps {
  store: Store;
  journal: { stage(r: ReturnType<typeof eventRecord>): void; write(r: ReturnType<typeof eventRecord>): void; flush(): number };
  clock: Clock;
  provider: ModelProvider;
  permissions: Readonly<PermissionsConfig>;
  repos: readonly WatchedRepo[];
  memoryDir: string;
  /** Something became `approved`: the execution worker has work. */
  onApproved: () => void;
  /** The owner must answer: reach them (notify channels land with issue 6). */
  onApprovalRequested: (actions: ActionRecord[]) => void;
}

/** How long a claimed event is ours before another decider may take it. */
const LEASE_MS = 2 * 60_000;
/** After a failed decision the event waits this long before it is tried again. */
const RETRY_MS = 60_000;

export type DecideOutcome = 'idle' | 'decided' | 'failed';

/**
 * Takes events from the inbox one at a time, asks the model for a decision, runs
 * every proposal through the policy gate, and commits the decision, its actions and
 * the event's new state in one transaction: an event is decided exactly once.
 */
export class Initiative {
  private running: Promise<void> | undefined;
  private again = false;
  private stopping = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly gate: PolicyGate;

  constructor(private readonly deps: InitiativeDeps) {
    this.gate = new PolicyGate(deps.permissions);
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

  /** Finish the decision in flight, then take no more. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retryTimer);
    await this.running;
  }

  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private async drain(): Promise<void> {
    do {
      this.again = false;
      let outcome: DecideOutcome;
      do outcome = await this.decideNext();
      while (outcome === 'decided' && !this.stopping);
      if (outcome === 'failed') this.scheduleRetry();
    } while (this.again && !this.stopping);
  }

  private scheduleRetry(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.wake(), LEASE_MS + 1000);
    this.retryTimer.unref();
  }

  async decideNext(): Promise<DecideOutcome> {
    const { store, clock } = this.deps;
    const event = store.inbox.claimNext(clock.now(), LEASE_MS);
    if (!event) return 'idle';
    const payload = JSON.parse(event.payload) as unknown;
    const tick = event.source === 'tick' ? (payload as TickPayload) : undefined;
    let decision: Decision;
    let model: string;
    try {
      await failpoint('decide.delay');
      const result = await this.deps.provider.decide(this.request(event, payload, tick));
      const parsed = DecisionInput.safeParse(result.decision);
      if (!parsed.success) throw new Error(`invalid decide input: ${parsed.error.issues[0]?.message ?? ''}`);
      decision = parsed.data;
      model = result.model;
    } catch (err) {
      const retryAt = new Date(clock.now() + RETRY_MS).toISOString();
      this.deps.journal.write(
        eventRecord('decision.failed', { eventId: event.id, kind: event.kind, error: String((err as Error).message), retryAt }, clock.now()),
      );
      return 'failed';
    }
    this.commit(event, decision, model, tick);
    return 'decided';
  }

  private request(event: InboxEvent, payload: unknown, tick: TickPayload | undefined): DecisionRequest {
    const decisionEvent = {
      id: event.id,
      source: event.source,
      kind: event.kind,
      ...(event.deliveryId ? { deliveryId: event.deliveryId } : {}),
      payload,
    };
    const context = () => buildContext(this.deps.store, this.deps.repos, tick);
    return {
      purpose: tick ? 'tick' : 'event',
      event: decisionEvent,
      context,
      prompt: async () =>
        buildPrompt({
          permissions: describePermissions(this.deps.permissions),
          memory: await readMemoryIndex(this.deps.memoryDir),
          event: decisionEvent,
          context: await context(),
        }),
    };
  }

  private commit(event: InboxEvent, decision: Decision, model: string, tick: TickPayload | undefined): void {
    const { store, journal, clock } = this.deps;
    const now = clock.now();
    const expiresAt = now + this.deps.permissions.approvalTtlHours * 3_600_000;
    const { approved, asked } = store.transaction(() => {
      const approved: ActionRecord[] = [];
      const asked: ActionRecord[] = [];
      if (!store.inbox.markDecided(event.id, now)) return { approved, asked };
      const decisionId = store.decisions.insert({ eventId: event.id, act: decision.act, summary: decision.summary, model }, now);
      journal.stage(eventRecord('decision.made', { eventId: event.id, kind: event.kind, ...decision, model }, now));
      const proposals = decision.act ? decision.proposals : [];
      for (const proposal of proposals) {
        const judgement = this.gate.judge(proposal);
        const base = {
          eventId: event.id,
          decisionId,
          action: proposal.action,
          params: judgement.params ?? proposal.params,
          rationale: proposal.rationale,
          ...(judgement.repo ? { repo: judgement.repo } : {}),
          verdict: judgement.verdict,
          reason: judgement.reason,
        };
        if (judgement.verdict === 'allow') {
          const record = store.actions.insert(base, 'approved', now);
          journal.stage(eventRecord('action.allowed', { actionId: record.id, action: record.action, reason: judgement.reason }, now));
          approved.push(record);
        } else if (judgement.verdict === 'ask') {
          const record = store.actions.insert(base, 'awaiting_approval', now, expiresAt);
          store.kv.increment(APPROVALS_VERSION_KEY);
          const fields = { actionId: record.id, action: record.action, params: record.params, reason: judgement.reason };
          journal.stage(eventRecord('approval.requested', { ...fields, expiresAt: new Date(expiresAt).toISOString() }, now));
          asked.push(record);
        } else {
          const record = store.actions.insert(base, 'denied', now);
          journal.stage(eventRecord('action.denied', { actionId: record.id, action: record.action, reason: judgement.reason }, now));
        }
      }
      if (tick) TickService.recordBaseline(store, tick, now);
      return { approved, asked };
    });
    journal.flush();
    if (approved.length) this.deps.onApproved();
    if (asked.length) this.deps.onApprovalRequested(asked);
  }
}

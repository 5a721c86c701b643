import type { Clock } from '../clock.js';
import { eventRecord, type EventRecord } from '../events.js';
import { failpoint } from '../failpoints.js';
import type { GithubSession } from '../github-api/index.js';
import { recheckForExecution, type PolicyGate } from '../policy/index.js';
import type { ActionLane, ActionRecord, Store } from '../store/index.js';
import { HANDLERS, type HandlerContext } from './handlers/index.js';
import type { StoreWaits } from './store-waits.js';

export interface RunnerDeps {
  store: Store;
  gate: PolicyGate;
  clock: Clock;
  memoryDir: string;
  config: HandlerContext['config'];
  notifier: HandlerContext['notifier'];
  modelCalls: HandlerContext['modelCalls'];
  /** The worker's GitHub, opened on first use (Octokit is loaded only then). */
  github: () => Promise<GithubSession>;
  /** Tell the daemon that records wait in the outbox. */
  flush: () => void;
  print: (line: string) => void;
  /** Once an action is claimed, its records wait out a locked store rather than strand it `running`. */
  waits?: Pick<StoreWaits, 'until'>;
}

/**
 * Runs approved actions: claim (approved → running), re-check the policy (layer 5),
 * run the handler, record the result. Used by the worker process.
 */
export class ActionRunner {
  constructor(private readonly deps: RunnerDeps) {}

  /** Run one approved action of the lane (any lane when unset) if there is one; false when there was none. */
  async runNext(lane?: ActionLane): Promise<boolean> {
    const action = this.claim(lane);
    if (!action) return false;
    await this.run(action);
    return true;
  }

  /** Claim the lane's next approved action (approved → running), synchronously: the caller decides whether to wait for it. */
  claim(lane?: ActionLane): ActionRecord | undefined {
    return this.deps.store.actions.claimNextApproved(process.pid, this.deps.clock.now(), lane);
  }

  /** Run a claimed action to its record. */
  async run(action: ActionRecord): Promise<void> {
    const { store, clock } = this.deps;
    await this.stage(eventRecord('action.started', { actionId: action.id, action: action.action, attempt: action.attempts }, clock.now()));
    const recheck = recheckForExecution(this.deps.gate, action);
    if (!recheck.ok) {
      await this.finish(action, { error: recheck.reason });
      return;
    }
    const handler = HANDLERS[recheck.judgement.action!];
    let outcome: { result: unknown } | { error: string };
    try {
      await failpoint('exec.delay');
      const result = await handler(recheck.judgement.params!, {
        actionId: action.id,
        actionCreatedAt: action.createdAt,
        eventId: action.eventId,
        clock,
        store,
        memoryDir: this.deps.memoryDir,
        config: this.deps.config,
        notifier: this.deps.notifier,
        modelCalls: this.deps.modelCalls,
        github: this.deps.github,
        record: (r) => store.outbox.add(r),
        print: this.deps.print,
      });
      // The effect happened, its record has not: a crash test kills the worker here.
      await failpoint('exec.after_effect');
      outcome = { result: result ?? null };
    } catch (err) {
      outcome = { error: (err as Error).message ?? String(err) };
    }
    await this.finish(action, outcome);
  }

  private async finish(action: ActionRecord, outcome: { result: unknown } | { error: string }): Promise<void> {
    const { clock } = this.deps;
    await this.retrying(() => this.record(action, outcome, clock.now()));
    this.deps.flush();
  }

  private record(action: ActionRecord, outcome: { result: unknown } | { error: string }, now: number): void {
    const { store } = this.deps;
    store.transaction(() => {
      if ('error' in outcome) {
        if (store.actions.transition(action.id, ['running'], 'failed', now, { error: outcome.error })) {
          store.outbox.add(eventRecord('action.failed', { actionId: action.id, action: action.action, error: outcome.error }, now));
        }
      } else if (store.actions.transition(action.id, ['running'], 'succeeded', now, { result: outcome.result })) {
        store.outbox.add(eventRecord('action.succeeded', { actionId: action.id, action: action.action, result: outcome.result }, now));
      }
    });
  }

  private async stage(record: EventRecord): Promise<void> {
    await this.retrying(() => this.deps.store.outbox.add(record));
    this.deps.flush();
  }

  private retrying<T>(fn: () => T): Promise<T> | T {
    return this.deps.waits ? this.deps.waits.until(fn) : fn();
  }
}

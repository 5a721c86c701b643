/**
 * A team node's worker runs approved actions from the shared `actions` table (issue 19):
 * claim one under a lease (`FOR UPDATE SKIP LOCKED`, any node's worker may take it),
 * re-check the policy (layer 5), carry out its effect, and record the result only while
 * it still holds the lease. An action whose worker died — after its effect, before its
 * record — is claimed again, by this node or another, once its lease runs out (or at once
 * when its own node saw the worker exit); the effect looks for its mark before it writes
 * (src/github-api: the comment's marker, state read back, a re-run's attempt number in the
 * action's row), so it happens once.
 *
 * The GitHub actions, the local ones and agent tasks run here (team-handlers.ts,
 * team-local.ts, team-agent.ts); an agent task only on a node with a clone of its
 * repository (`claimable`). The owner's notices about approvals go another way (team-reach.ts).
 */
import type pg from 'pg';
import type { Clock } from '../clock.js';
import { errorText } from '../errors.js';
import { eventRecord, type EventRecord } from '../events.js';
import { failpoint } from '../failpoints.js';
import { recheckForExecution, type ActionName, type PolicyGate } from '../policy/index.js';
import type { Claimable, PgAction, PgActions, PgLog } from '../store/index.js';
import { TEAM_HANDLERS, type TeamEffects, type TeamLane } from './team-handlers.js';

export interface TeamRunnerDeps {
  /** This worker's claims (held as `node:w<pid>`). */
  actions: PgActions;
  /** The node's chain. */
  log: PgLog;
  transaction: <T>(fn: (tx: pg.PoolClient) => Promise<T>) => Promise<T>;
  gate: PolicyGate;
  clock: Clock;
  leaseMs: number;
  /** What this worker claims in each lane (team-handlers.ts `claimableOn`: agent tasks only for this node's clones). */
  claimable: Record<TeamLane, Claimable>;
  /** What the effects reach (GitHub, the owner's channels, the team's tables); their log lines are staged here. */
  effects: Omit<TeamEffects, 'record' | 'held'>;
  print: (line: string) => void;
}

/** A result the database did not take (it is away) is tried again this often, this many times; then the lease decides. */
const RECORD_RETRY_MS = 1000;
const RECORD_TRIES = 5;

type Outcome = { result: unknown } | { error: string };

export class TeamActionRunner {
  /** Lines the GitHub session staged (a rate limit met): they go with the next record. */
  private readonly staged: EventRecord[] = [];

  constructor(private readonly deps: TeamRunnerDeps) {}

  /** Stage a log line to commit with the next claim or result. */
  record(record: EventRecord): void {
    this.staged.push(record);
  }

  /** Claims and runs the lane's next approved action this worker can carry out; false when there was none. */
  async runNext(lane: TeamLane): Promise<boolean> {
    const action = await this.claim(lane);
    if (!action) return false;
    await this.run(action);
    return true;
  }

  /**
   * The claim and its `action.started` line commit together, without waiting for their
   * fsync (`synchronous_commit` off for this transaction): a claim the server loses in a
   * crash only makes the action approved again, and the result's own commit, synchronous,
   * flushes the WAL past it — so no effect happens under a claim that was not durable.
   */
  async claim(lane: TeamLane): Promise<PgAction | undefined> {
    const { actions, log, clock, transaction, claimable } = this.deps;
    return transaction(async (tx) => {
      await tx.query('SET LOCAL synchronous_commit TO OFF');
      const { claimed, failed } = await actions.claimIn(tx, 1, claimable[lane]);
      const now = clock.now();
      await log.append(tx, [
        ...failed.map((f) => eventRecord('action.failed', { actionId: f.id, action: f.action, error: f.error }, now)),
        ...claimed.map((a) => eventRecord('action.started', { actionId: a.id, action: a.action, attempt: a.attempts }, now)),
      ]);
      return claimed[0];
    });
  }

  /** Carries out a claimed action and records its result; the agent lane runs its tasks beside the main loop. */
  async run(action: PgAction): Promise<void> {
    // The lease is renewed while the effect runs; a worker that cannot renew it (the
    // database away) stops holding the action when it lapses, and its record is refused.
    // A renewal the database answers "not held" (the lease ran out and another worker may
    // hold it now) tells the effect, so that a long one (an agent task) stops.
    const held = new AbortController();
    const renewal = setInterval(() => {
      this.deps.actions.renew([action.id]).then(
        (still) => {
          if (!still.includes(action.id)) held.abort();
        },
        () => undefined,
      );
    }, this.deps.leaseMs / 3);
    renewal.unref();
    // The effect's own lines go with its result; two lanes' actions may run at once.
    const own: EventRecord[] = [];
    let outcome: Outcome;
    try {
      outcome = await this.effect(action, held.signal, own);
    } finally {
      clearInterval(renewal);
    }
    await this.finish(action, outcome, own);
  }

  private async effect(action: PgAction, held: AbortSignal, own: EventRecord[]): Promise<Outcome> {
    // An `ask` runs only with an owner's answer (`answered_by`: a node's capability route, the CLI, or a home before `vigil migrate`).
    const recheck = recheckForExecution(this.deps.gate, { action: action.action, params: action.params, answeredBy: action.answeredBy });
    if (!recheck.ok) return { error: recheck.reason };
    const handler = TEAM_HANDLERS[recheck.judgement.action as ActionName];
    if (!handler) return { error: `${action.action} does not run on a team node` };
    try {
      await failpoint('exec.delay');
      const effects: TeamEffects = { ...this.deps.effects, held, record: (r) => own.push(r) };
      const result = await handler(recheck.judgement.params as Record<string, unknown>, action, effects);
      // The effect happened, its record has not: a crash test kills the worker here.
      await failpoint('exec.after_effect');
      return { result: result ?? null };
    } catch (err) {
      return { error: errorText(err) };
    }
  }

  /** running → succeeded | failed with its line, in one transaction, only while this worker holds the lease. */
  private async finish(action: PgAction, outcome: Outcome, own: readonly EventRecord[]): Promise<void> {
    const { actions, log, clock, transaction, print } = this.deps;
    for (let attempt = 1; ; attempt++) {
      // The session's lines staged so far go with this record; given back if it fails.
      const taken = this.staged.splice(0);
      try {
        const held = await transaction(async (tx) => {
          const now = clock.now();
          const done =
            'error' in outcome
              ? await actions.finish(action.id, { state: 'failed', error: outcome.error }, tx)
              : await actions.finish(action.id, { state: 'succeeded', result: outcome.result }, tx);
          const line =
            'error' in outcome
              ? eventRecord('action.failed', { actionId: action.id, action: action.action, error: outcome.error }, now)
              : eventRecord('action.succeeded', { actionId: action.id, action: action.action, result: outcome.result }, now);
          await log.append(tx, [...taken, ...own, ...(done ? [line] : [])]);
          return done;
        });
        if (!held) print(`vigil worker: action ${action.id}: its lease ran out before its result was recorded; whichever worker holds it now looks for its effect and records it`);
        return;
      } catch (err) {
        this.staged.unshift(...taken);
        if (attempt >= RECORD_TRIES) {
          // The effect's lines are not lost with its result: they go with the next record.
          this.staged.push(...own);
          print(`vigil worker: action ${action.id}: its result could not be recorded (${errorText(err)}); it is claimed again when its lease runs out`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, RECORD_RETRY_MS));
      }
    }
  }
}

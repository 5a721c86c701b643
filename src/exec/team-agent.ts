/**
 * `agent.task` on a team node (issue 19): the SQLite worker's task (src/agent,
 * `runAgentTask`) run by a node's worker under the action's lease — a worktree of this
 * node's clone under this node's home, the built-in loop or `agent.command`, contained
 * exactly as on SQLite (the same code: contain.ts, the sandbox, the worktree guard), a
 * commit, a push to the clone's remote and one draft pull request.
 *
 * What a team adds:
 * - only a node with a clone of the repository claims the task (team-handlers.ts
 *   `claimableOn`: the claim query filters by this node's clones), so a node without one
 *   leaves it to another instead of failing it;
 * - a run claimed after another (its worker died) looks for the branch that run pushed
 *   and opens the pull request from it without running the agent again (src/agent/takeover.ts);
 *   the push is fenced by the action's `effect_mark`, written only while the lease is held;
 * - the agent stops when a lease renewal finds the action no longer held;
 * - `vigil cancel ID` is the action row's flag (migration pg-017), polled from here;
 * - the built-in agent's model calls go to the team's ledger under this node's name, as
 *   the node's decisions' do;
 * - the agent's lines go to the node's chain as they happen (a task runs minutes), and
 *   the owner hears of the end through the node's channels and the team's gate, under the
 *   key `action:<id>` (a takeover sends only to the channels that did not have it).
 */
import type { Config, Secrets } from '../config/index.js';
import { errorText } from '../errors.js';
import type { EventRecord } from '../events.js';
import { callRecords, createAgentModel, makeRedactor, secretValues, type CircuitBreaker, type ModelObserver } from '../model/index.js';
import type { ActionParams } from '../policy/index.js';
import type { PgAction } from '../store/index.js';
import { stringsIn } from './handlers/agent.js';
import type { TeamLocalEffects } from './team-local.js';

/** What an agent task reaches on a node, besides the effects every action has. */
export interface TeamAgentEffects {
  /** The config the node accepted: `repos[]` (the clones), `agent`, `model`, `github`. */
  config: Readonly<Config>;
  /** The worker's secrets: the GitHub credentials and the Anthropic key; every value withheld from the agent. */
  secrets: Secrets;
  /** This node's home: worktrees under `agent/worktrees/<id>`, the transcript at `agent/<id>.jsonl`. */
  home: string;
  /** The team's usage ledger (`model_usage`), as this node, each call under the task's action (any node's Tasks page reads it). */
  usage: { record(call: Parameters<ModelObserver['call']>[0], actionId: string): Promise<void> };
  /** Shared by this worker's tasks: a dead API fails the next task at once. */
  circuit: CircuitBreaker;
  /** `vigil cancel` flags in the actions' rows. */
  cancels: { requested(id: string): Promise<boolean>; clear(id: string): Promise<void> };
  /** The action's `effect_mark`: read, and written only while this worker holds the action. */
  marks: { read(id: string): Promise<unknown>; write(id: string, mark: unknown): Promise<void> };
  /** Lines on the node's chain, committed now. */
  log(records: EventRecord[]): Promise<void>;
}

export interface TeamAgentContext extends TeamLocalEffects {
  agent: TeamAgentEffects;
  /** Aborts when a renewal finds this worker no longer holds the action. */
  held: AbortSignal;
}

export async function teamAgentTask(raw: Record<string, unknown>, action: PgAction, effects: TeamAgentContext): Promise<unknown> {
  const params = raw as ActionParams<'agent.task'>;
  const { agent: on, clock, print } = effects;
  const { config, secrets } = on;
  // Loaded only when a task runs, as the SQLite worker loads it.
  const { runAgentTask, secretsToWithhold } = await import('../agent/index.js');
  const withhold = secretsToWithhold([...secretValues(secrets), ...stringsIn(secrets)]);
  const redact = makeRedactor(withhold);
  const lines = new LineQueue(on.log, effects.record);
  const model = createAgentModel(config.model, {
    secrets,
    recorder: { record: (call) => void on.usage.record(call, action.id).catch((err: unknown) => print(`vigil agent.task ${action.id}: a model call was not recorded in the usage ledger: ${errorText(err)}`)) },
    circuit: on.circuit,
    redact,
    clock,
    observer: callRecords((r) => lines.push(r), () => clock.now()),
  });
  const github = async () => {
    const gh = await import('../github-api/index.js');
    const credentials = gh.githubCredentials(secrets, config.github);
    if (!credentials) throw new Error('agent.task needs GitHub credentials for its pull request: set GITHUB_TOKEN or secrets.json "githubToken"');
    const clients = new gh.GithubClients({ credentials, baseUrl: gh.githubApiUrl() });
    return { octokit: await clients.forRepo(params.repo), ...(config.github.ownerLogin ? { ownerLogin: config.github.ownerLogin } : {}) };
  };
  try {
    const result = await runAgentTask(params, {
      actionId: action.id,
      eventId: action.eventId,
      agent: config.agent,
      repos: config.repos,
      home: on.home,
      model,
      github,
      cancel: { requested: () => on.cancels.requested(action.id), clear: () => on.cancels.clear(action.id) },
      // Every claim counts in `attempts`: past the first, an earlier run may have pushed.
      takeover: { earlier: action.attempts > 1, read: () => on.marks.read(action.id), write: (mark) => on.marks.write(action.id, mark) },
      held: effects.held,
      record: (r) => lines.push(r),
      now: () => clock.now(),
      secrets: withhold,
      redact,
    });
    const line = result.pullRequest ? `draft pull request ${result.pullRequest.url}` : `no changes: ${result.summary}`;
    print(`vigil agent.task ${action.id} (${params.repo}): ${line}`);
    await tellOwner(effects, action.id, `agent task on ${params.repo}`, line);
    return result;
  } catch (err) {
    print(`vigil agent.task ${action.id} (${params.repo}) failed: ${errorText(err)}`);
    throw err;
  } finally {
    // The task's lines are on the chain before its result is.
    await lines.flushed();
  }
}

/** The owner hears of the end (the link, or why nothing changed); a failed notice does not fail the task. */
async function tellOwner(effects: TeamAgentContext, actionId: string, title: string, body: string): Promise<void> {
  try {
    await effects.notices.deliver({ title, body, urgency: 'normal', tag: `action-${actionId}` }, `action:${actionId}`, effects.record);
  } catch (err) {
    effects.print(`vigil agent.task ${actionId}: the owner could not be notified: ${errorText(err)}`);
  }
}

/**
 * The task's lines, appended in order one commit at a time while it runs; a line the
 * database refuses goes with the action's result instead (`stage`), never lost.
 */
class LineQueue {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly append: (records: EventRecord[]) => Promise<void>,
    private readonly stage: (record: EventRecord) => void,
  ) {}

  push(record: EventRecord): void {
    this.tail = this.tail.then(() => this.append([record]).catch(() => this.stage(record)));
  }

  flushed(): Promise<void> {
    return this.tail;
  }
}

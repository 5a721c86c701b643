import path from 'node:path';
import type { Config, WatchedRepo } from '../config/index.js';
import { errorText, VigilError } from '../errors.js';
import { eventRecord, type EventRecord } from '../events.js';
import { failpoint } from '../failpoints.js';
import type { GithubOctokit } from '../github-api/index.js';
import type { CancelFlag } from './cancel.js';
import { Refusal } from './confine.js';
import { containment, EXTERNAL, filtersHosts, requireContainment, type Containment } from './contain.js';
import { runExternalAgent } from './external.js';
import { startHostFilter } from './host-filter.js';
import { addWorktree, baseBranch, changedFiles, commitAll, commonGitDir, pushBranch, remoteBranchHead, removeWorktree } from './git.js';
import { BudgetExceeded, runToolLoop, type AgentModel } from './loop.js';
import { openDraftPullOnce, type PullRequestResult } from './pull-request.js';
import { pushMarkOf, type TaskTakeover } from './takeover.js';
import { Transcript } from './transcript.js';
import { snapshotWorktree, worktreeTampering } from './worktree-guard.js';

/**
 * One `agent.task`, start to end: a worktree of the repo's local clone on branch
 * `vigil/<action id>`, the agent (built-in loop, or `agent.command`) inside budgets,
 * then — with changes — a commit that says vigil wrote it, a push to the clone's
 * remote and a draft pull request; without — a report of why. The worktree is
 * removed whatever happens; the transcript stays under the home. Everything the agent
 * runs is contained (contain.ts), and vigil's git touches the worktree again only
 * after its git metadata proved untouched (worktree-guard.ts).
 */

export interface AgentTaskParams {
  repo: string;
  instructions: string;
  branch?: string;
}

export interface AgentTaskDeps {
  actionId: string;
  /** The event the task was proposed for (null for one proposed without), for the usage ledger. */
  eventId: number | null;
  agent: Readonly<Config['agent']>;
  repos: readonly Readonly<WatchedRepo>[];
  /** vigil's home: worktrees and transcripts live under `agent/`. */
  home: string;
  /** The built-in agent's model (src/model: its calls are in the usage ledger); undefined when no Anthropic key is configured. */
  model: AgentModel | undefined;
  github: () => Promise<{ octokit: GithubOctokit; ownerLogin?: string }>;
  /** `vigil cancel ID`: the home's kv on SQLite, the action's row on a team. */
  cancel: CancelFlag;
  /** On a team: another run may have pushed first (takeover.ts). Absent on SQLite: a retried task replaces its own branch. */
  takeover?: TaskTakeover;
  /** Aborts when this worker no longer holds the action (a team's lease lost): the agent stops, nothing is pushed. */
  held?: AbortSignal;
  record: (record: EventRecord) => void;
  now: () => number;
  /** Every secret value vigil holds: kept out of the agent's environment. */
  secrets: readonly string[];
  /** Replaces those secrets with [redacted] in what the agent's tools answer and print. */
  redact: (text: string) => string;
}

export interface AgentTaskResult {
  changed: boolean;
  summary: string;
  files: string[];
  transcript: string;
  branch?: string;
  commit?: string;
  pullRequest?: { url: string; number: number; reused: boolean };
}

const BASH_TIMEOUT_MS = 5 * 60_000;
const TOOL_OUTPUT_CAP = 16_000;
const EXTERNAL_OUTPUT_CAP = 1024 * 1024;
const CANCEL_POLL_MS = 250;

export function transcriptPath(home: string, actionId: string): string {
  return path.join(home, 'agent', `${actionId}.jsonl`);
}

export async function runAgentTask(params: AgentTaskParams, deps: AgentTaskDeps): Promise<AgentTaskResult> {
  const { actionId, agent } = deps;
  const clone = deps.repos.find((r) => r.name === params.repo)?.path;
  if (!clone) throw new VigilError('VIGIL_ERR_ACTION_PARAMS', `repos[] has no local clone (path) for ${params.repo}`);
  if (!agent.command && !deps.model) {
    throw new VigilError('VIGIL_ERR_CONFIG', 'agent.task needs agent.command (an agent CLI) or model.provider "anthropic" with an API key');
  }
  const transcript = new Transcript(transcriptPath(deps.home, actionId));
  const branch = `vigil/${actionId}`;
  if (deps.takeover?.earlier) {
    const pushed = await finishPushed(params, deps, clone, transcript).catch((err: unknown) => stopped(transcript, err));
    if (pushed) return pushed;
  }
  const mode = agent.command ? 'external' : 'built-in';
  deps.record(eventRecord('agent.started', { actionId, repo: params.repo, branch, mode, instructions: params.instructions }, deps.now()));
  transcript.note({ at: new Date(deps.now()).toISOString(), role: 'task', repo: params.repo, branch, mode, instructions: params.instructions });
  const contained = await containmentFor(clone, deps).catch((err: unknown) => stopped(transcript, err));
  if (agent.command) refuseUncontained(deps, contained, transcript);
  const tree = await addWorktree(clone, path.join(deps.home, 'agent', 'worktrees', actionId), branch, params.branch).catch((err: unknown) => stopped(transcript, err));
  const stop = stopSignal(deps, agent.maxMinutes);
  try {
    const made = snapshotWorktree(tree);
    const outcome = await runAgent(params, deps, tree.dir, stop.signal, transcript, contained);
    stop.dispose();
    const tampered = worktreeTampering(tree, made);
    if (tampered.length) {
      const reason = `the worktree's git metadata is not as vigil made it, so nothing is committed: ${tampered.join('; ')}`;
      deps.record(eventRecord('agent.refused', { actionId, tool: 'git', reason }, deps.now()));
      throw new Error(reason);
    }
    const files = await changedFiles(tree);
    transcript.note({ role: 'result', summary: outcome.summary, files });
    if (files.length === 0) {
      const summary = outcome.summary || 'the agent finished without changing anything';
      deps.record(eventRecord('agent.finished', { actionId, repo: params.repo, changed: false, files: [], summary }, deps.now()));
      return { changed: false, summary, files, transcript: transcript.file };
    }
    const commit = await commitAll(tree, pullTitle(params), `${params.instructions}\n\n${outcome.summary}`.trim());
    // On a team, fenced by the lease: a worker that lost the action pushes nothing over its holder's branch.
    const mark = { commit, files, summary: outcome.summary };
    await deps.takeover?.write(mark);
    await pushBranch(tree);
    // Pushed, no pull request yet: a crash test kills the worker here (a takeover then finds the branch).
    await failpoint('agent.after_push');
    // Fenced again: one that lost the action meanwhile leaves the pull request to its holder.
    await deps.takeover?.write(mark);
    const pullRequest = await openPull(params, deps, tree.commonDir, files, outcome.summary);
    deps.record(
      eventRecord('agent.finished', { actionId, repo: params.repo, changed: true, files, summary: outcome.summary, pullRequest: pullRequest.url }, deps.now()),
    );
    return { changed: true, summary: outcome.summary, files, transcript: transcript.file, branch, commit, pullRequest };
  } catch (err) {
    transcript.note({ role: 'stopped', error: errorText(err) });
    throw err;
  } finally {
    stop.dispose();
    await deps.cancel.clear().catch(() => undefined);
    await removeWorktree(tree);
  }
}

/** The task's containment: its sandbox (probed once per process), the clone's git dir, the owner's allowPaths. */
async function containmentFor(clone: string, deps: AgentTaskDeps): Promise<Containment> {
  const { agent } = deps;
  return containment({ home: deps.home, gitDir: await commonGitDir(clone), allowPaths: agent.allowPaths, unsandboxed: agent.unsandboxed, withhold: deps.secrets });
}

/** Without a sandbox (and without agent.unsandboxed) the external agent is refused before a worktree exists. */
function refuseUncontained(deps: AgentTaskDeps, contained: Containment, transcript: Transcript): void {
  try {
    requireContainment(contained, EXTERNAL);
  } catch (err) {
    if (!(err instanceof Refusal)) throw err;
    deps.record(eventRecord('agent.refused', { actionId: deps.actionId, tool: 'agent.command', reason: err.message }, deps.now()));
    stopped(transcript, err);
  }
}

function stopped(transcript: Transcript, err: unknown): never {
  transcript.note({ role: 'stopped', error: errorText(err) });
  throw err;
}

async function runAgent(params: AgentTaskParams, deps: AgentTaskDeps, root: string, signal: AbortSignal, transcript: Transcript, contained: Containment) {
  const { agent, actionId } = deps;
  if (agent.command) {
    const hostFilter = filtersHosts(contained, agent.allowHosts)
      ? await startHostFilter(path.join(deps.home, 'agent', 'proxy', actionId), agent.allowHosts, (target) => {
          deps.record(eventRecord('agent.refused', { actionId, tool: 'network', reason: `${target} is not in agent.allowHosts` }, deps.now()));
        })
      : undefined;
    const result = await runExternalAgent({
      command: agent.command,
      root,
      repo: params.repo,
      instructions: params.instructions,
      timeoutMs: agent.maxMinutes * 60_000,
      outputCap: EXTERNAL_OUTPUT_CAP,
      signal,
      containment: contained,
      ...(hostFilter ? { hostFilter } : {}),
      redact: deps.redact,
    }).finally(() => hostFilter?.close());
    transcript.note({ role: 'agent-output', output: result.output });
    return { summary: result.summary };
  }
  return runToolLoop({
    root,
    repo: params.repo,
    instructions: params.instructions,
    model: deps.model!,
    eventId: deps.eventId,
    limits: { allowCommands: agent.allowCommands, bashTimeoutMs: BASH_TIMEOUT_MS, outputCap: TOOL_OUTPUT_CAP, containment: contained, redact: deps.redact },
    maxTurns: agent.maxTurns,
    maxTokens: agent.maxTokens,
    signal,
    note: (entry) => transcript.note(entry),
    onRefusal: (tool, reason) => {
      deps.record(eventRecord('agent.refused', { actionId, tool, reason }, deps.now()));
    },
  });
}

/** The draft pull request from the pushed branch (one per action: openDraftPullOnce finds it by its marker). */
async function openPull(params: AgentTaskParams, deps: AgentTaskDeps, commonDir: string, files: readonly string[], summary: string): Promise<PullRequestResult> {
  const { octokit, ownerLogin } = await deps.github();
  const base = await baseBranch({ commonDir }, params.branch);
  const changed = files.length ? `Files: ${files.map((f) => `\`${f}\``).join(', ')}` : 'Files: see the branch.';
  const body = `${summary || 'Changes made by vigil.'}\n\n**Task**\n\n${params.instructions}\n\n${changed}`;
  return openDraftPullOnce(octokit, { repo: params.repo, head: `vigil/${deps.actionId}`, base, title: pullTitle(params), body }, deps.actionId, ownerLogin);
}

/**
 * A run that may follow one that died (takeover.ts): when the earlier run's branch is on
 * the remote, its work is done — the agent does not run again, no worktree is made, and
 * the pull request is opened (or found) from that branch. Undefined when nothing was pushed.
 */
async function finishPushed(params: AgentTaskParams, deps: AgentTaskDeps, clone: string, transcript: Transcript): Promise<AgentTaskResult | undefined> {
  const { actionId } = deps;
  const branch = `vigil/${actionId}`;
  const commonDir = await commonGitDir(clone);
  const head = await remoteBranchHead(commonDir, branch);
  if (!head) return undefined;
  // The mark was written before that push; one naming another commit says nothing about this branch.
  const mark = pushMarkOf(await deps.takeover!.read());
  const pushed = mark?.commit === head ? mark : undefined;
  const files = pushed?.files ?? [];
  const summary = pushed?.summary ?? '';
  transcript.note({ at: new Date(deps.now()).toISOString(), role: 'resumed', branch, commit: head, note: 'an earlier run pushed this branch; the agent is not run again' });
  // Fenced as a first run's pull request is: only while this worker holds the action.
  await deps.takeover!.write({ commit: head, files, summary });
  const pullRequest = await openPull(params, deps, commonDir, files, summary);
  transcript.note({ role: 'result', summary, files, pullRequest: pullRequest.url });
  deps.record(eventRecord('agent.finished', { actionId, repo: params.repo, changed: true, files, summary, pullRequest: pullRequest.url }, deps.now()));
  return { changed: true, summary, files, transcript: transcript.file, branch, commit: head, pullRequest };
}

/**
 * Aborts on the wall-time budget, when `vigil cancel` sets the task's flag, or when this
 * worker no longer holds the action (a team's lease).
 */
function stopSignal(deps: AgentTaskDeps, maxMinutes: number): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const wall = setTimeout(
    () => controller.abort(new BudgetExceeded(`time budget exceeded: still running after ${maxMinutes * 60} s`)),
    maxMinutes * 60_000,
  );
  // The flag may be a database away: one look at a time, and a failed look is tried at the next tick.
  let looking = false;
  const poll = setInterval(() => {
    if (looking) return;
    looking = true;
    deps.cancel
      .requested()
      .then((yes) => {
        if (yes) controller.abort(new Error('cancelled by the owner (vigil cancel)'));
      })
      .catch(() => undefined)
      .finally(() => (looking = false));
  }, CANCEL_POLL_MS);
  const lost = () => controller.abort(new Error('this worker no longer holds the action (its lease ran out); whichever worker holds it now carries it out'));
  if (deps.held?.aborted) lost();
  deps.held?.addEventListener('abort', lost, { once: true });
  wall.unref();
  poll.unref();
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(wall);
      clearInterval(poll);
      deps.held?.removeEventListener('abort', lost);
    },
  };
}

function pullTitle(params: AgentTaskParams): string {
  return `vigil: ${firstLine(params.instructions)}`;
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0]!.trim();
  return line.length <= 60 ? line : `${line.slice(0, 57)}…`;
}

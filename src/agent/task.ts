import path from 'node:path';
import type { Config, WatchedRepo } from '../config/index.js';
import { errorText, VigilError } from '../errors.js';
import { eventRecord, type EventRecord } from '../events.js';
import type { GithubOctokit } from '../github-api/index.js';
import type { Store } from '../store/index.js';
import { cancelRequested, clearCancel } from './cancel.js';
import { Refusal } from './confine.js';
import { containment, EXTERNAL, filtersHosts, requireContainment, type Containment } from './contain.js';
import { runExternalAgent } from './external.js';
import { startHostFilter } from './host-filter.js';
import { addWorktree, baseBranch, changedFiles, commitAll, commonGitDir, pushBranch, removeWorktree } from './git.js';
import { BudgetExceeded, runToolLoop, type AgentModel } from './loop.js';
import { openDraftPullOnce } from './pull-request.js';
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
  store: Store;
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
    const title = `vigil: ${firstLine(params.instructions)}`;
    const commit = await commitAll(tree, title, `${params.instructions}\n\n${outcome.summary}`.trim());
    await pushBranch(tree);
    const { octokit, ownerLogin } = await deps.github();
    const base = await baseBranch(tree, params.branch);
    const body = `${outcome.summary || 'Changes made by vigil.'}\n\n**Task**\n\n${params.instructions}\n\nFiles: ${files.map((f) => `\`${f}\``).join(', ')}`;
    const pullRequest = await openDraftPullOnce(octokit, { repo: params.repo, head: branch, base, title, body }, actionId, ownerLogin);
    deps.record(
      eventRecord('agent.finished', { actionId, repo: params.repo, changed: true, files, summary: outcome.summary, pullRequest: pullRequest.url }, deps.now()),
    );
    return { changed: true, summary: outcome.summary, files, transcript: transcript.file, branch, commit, pullRequest };
  } catch (err) {
    transcript.note({ role: 'stopped', error: errorText(err) });
    throw err;
  } finally {
    stop.dispose();
    clearCancel(deps.store, actionId);
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

/** Aborts on the wall-time budget, or when `vigil cancel` sets the task's flag. */
function stopSignal(deps: AgentTaskDeps, maxMinutes: number): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const wall = setTimeout(
    () => controller.abort(new BudgetExceeded(`time budget exceeded: still running after ${maxMinutes * 60} s`)),
    maxMinutes * 60_000,
  );
  const poll = setInterval(() => {
    if (cancelRequested(deps.store, deps.actionId)) controller.abort(new Error('cancelled by the owner (vigil cancel)'));
  }, CANCEL_POLL_MS);
  wall.unref();
  poll.unref();
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(wall);
      clearInterval(poll);
    },
  };
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0]!.trim();
  return line.length <= 60 ? line : `${line.slice(0, 57)}…`;
}

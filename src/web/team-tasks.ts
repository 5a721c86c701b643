/**
 * A team node's Tasks page (issue 19): the single daemon's cards (tasks.ts, tasks-page.ts)
 * over every node's agent tasks in PostgreSQL. What the team's database knows of a task —
 * its row, its model calls in the usage ledger (turns, tokens, cost), the node whose
 * worker claimed it — is shown on every node; its transcript (what the agent said, each
 * tool call) is a file under the home of the node that ran it, shown where that file is
 * and otherwise named, never drawn as empty.
 */
import fs from 'node:fs';
import type { Clock } from '../clock.js';
import type { LogEntry } from '../logs/index.js';
import type { TeamDreamShown } from './tasks-page.js';
import { costOfUsage, readTranscript, taskViewOf, transcriptFile, type TaskRow, type TaskView, type Transcript } from './tasks.js';
import type { AgentBudgets, TokenUsage } from './types.js';

/** An agent task as the team's database has it. */
export interface TeamTask extends TaskRow {
  /** `vigil cancel` asked it to stop (the action row's flag), not cleared yet by its worker. */
  cancelRequested: boolean;
  /** The worker's claim that ran it last: its node, and when. */
  run: { node: string; startedAt: number } | undefined;
  /** Its model calls in the team's usage ledger, per model; none for `agent.command` (it calls no model of vigil's). */
  usage: { calls: number; byModel: ReadonlyMap<string, TokenUsage> } | undefined;
}

/** What a team's Tasks page reads: the tasks and the dream from the database, the transcripts from this node's disk. */
export interface TeamTasksSource {
  clock: Clock;
  /** Where this node's worker writes its transcripts (`<home>/agent`). */
  agentDir: string;
  /** config `agent` of this node: the budgets the figures are shown against. */
  agentBudgets(): AgentBudgets;
  /** The estimated cost of a model's tokens at this node's config prices; null when no price is known. */
  costOf(model: string, usage: TokenUsage): number | null;
  /** The newest agent tasks of the team, newest first. */
  recent(): Promise<TeamTask[]>;
  get(id: string): Promise<TeamTask | undefined>;
  /** The newest dream record of any chain in the last two days, and whether the dream it names runs now. */
  dream(): Promise<{ entry: LogEntry; node: string; running: boolean } | undefined>;
}

/** This node's transcript of the task, if its worker wrote one here. */
function localTranscript(agentDir: string, id: string, withOutput: boolean): Transcript | undefined {
  const file = transcriptFile(agentDir, id);
  return file && fs.existsSync(file) ? readTranscript(agentDir, id, withOutput) : undefined;
}

function viewOf(source: TeamTasksSource, task: TeamTask, t: Transcript | undefined): TaskView {
  const empty: Transcript = { turns: 0, tokens: 0, usage: new Map(), steps: [] };
  // The ledger's rows name the task (pg-024); a task run before they did has only its transcript's figures, where it is.
  const spent = task.usage
    ? {
        turns: task.usage.calls,
        tokens: [...task.usage.byModel.values()].reduce((n, u) => n + u.inputTokens + u.outputTokens + u.cacheCreationTokens + u.cacheReadTokens, 0),
        costUsd: costOfUsage(task.usage.byModel, (model, usage) => source.costOf(model, usage)),
      }
    : { turns: t?.turns ?? 0, tokens: t?.tokens ?? 0, costUsd: costOfUsage(t?.usage ?? new Map(), (model, usage) => source.costOf(model, usage)) };
  return taskViewOf(task, t ?? empty, {
    startedAt: task.run?.startedAt ?? t?.startedAt ?? task.createdAt,
    spent,
    budgets: source.agentBudgets(),
    now: source.clock.now(),
    cancelRequested: task.cancelRequested,
    ...(task.run ? { ranOn: { node: task.run.node, transcriptHere: t !== undefined } } : {}),
  });
}

/** The page's cards: the team's newest agent tasks. */
export async function teamTasksView(source: TeamTasksSource): Promise<TaskView[]> {
  return (await source.recent()).map((task) => viewOf(source, task, localTranscript(source.agentDir, task.id, false)));
}

/** One task with its transcript's steps (empty when the transcript is on another node: its view says which). */
export async function teamTaskTranscript(source: TeamTasksSource, id: string): Promise<{ task: TaskView; steps: Transcript['steps'] } | undefined> {
  const task = await source.get(id);
  if (!task) return undefined;
  const t = localTranscript(source.agentDir, task.id, true);
  return { task: viewOf(source, task, t), steps: t?.steps ?? [] };
}

/** The dream section's record and what the page says of it. */
export async function teamDreamView(source: TeamTasksSource): Promise<{ dream: LogEntry | undefined; teamDream: TeamDreamShown | undefined }> {
  const last = await source.dream();
  return last ? { dream: last.entry, teamDream: { node: last.node, running: last.running } } : { dream: undefined, teamDream: undefined };
}

import fs from 'node:fs';
import path from 'node:path';
import type { ActionRecord } from '../store/index.js';
import type { AgentBudgets, TokenUsage, WebDeps } from './types.js';

/**
 * Work in progress (issue 17): each running or recent `agent.task` as the Tasks page shows
 * it — from the actions table (state, times, result) and the task's transcript
 * (`agent/<id>.jsonl`, appended by the worker as each turn and tool call happens: turns,
 * tokens with their breakdown, tool calls). Read-only: the worker writes both.
 */

/** Tasks one page shows, newest first. */
const RECENT_TASKS = 15;
/** A transcript past this is read from its end only: the page shows the latest turns. */
const MAX_TRANSCRIPT_BYTES = 4 * 1024 * 1024;
const LAST_TOOLS = 5;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface ToolCall {
  turn: number;
  tool: string;
  /** The call's input as JSON, cut short. */
  input: string;
  isError: boolean;
  /** What the tool answered (only on the transcript page). */
  output?: string;
}

export interface TranscriptStep {
  turn: number;
  /** What the model said in this turn (text blocks). */
  text: string;
  tools: ToolCall[];
}

export interface TaskView {
  id: string;
  state: ActionRecord['state'];
  repo: string;
  instructions: string;
  startedAt: number;
  /** When the task ended (its last update), or null while it runs. */
  endedAt: number | null;
  elapsedMs: number;
  turns: number;
  tokens: number;
  costUsd: number | null;
  budgets: AgentBudgets;
  lastTools: ToolCall[];
  pullRequest: string | null;
  summary: string | null;
  error: string | null;
  cancelling: boolean;
  /**
   * On a team node (issue 19): the node whose worker claimed it last, and whether its
   * transcript (tool calls, words) is on this node's disk — else it is on that node's only.
   */
  ranOn?: { node: string; transcriptHere: boolean };
}

export interface Transcript {
  startedAt?: number;
  turns: number;
  tokens: number;
  usage: Map<string, TokenUsage>;
  steps: TranscriptStep[];
  summary?: string;
  stopped?: string;
}

export function transcriptFile(agentDir: string, id: string): string | undefined {
  return ID.test(id) ? path.join(agentDir, `${id}.jsonl`) : undefined;
}

/** The transcript as steps (a turn: what the model said, then its tool calls), with the totals so far. */
export function readTranscript(agentDir: string, id: string, withOutput = false): Transcript {
  const out: Transcript = { turns: 0, tokens: 0, usage: new Map(), steps: [] };
  const file = transcriptFile(agentDir, id);
  if (!file) return out;
  let text: string;
  try {
    const size = fs.statSync(file).size;
    const fd = fs.openSync(file, 'r');
    try {
      const start = Math.max(0, size - MAX_TRANSCRIPT_BYTES);
      const buffer = Buffer.alloc(size - start);
      fs.readSync(fd, buffer, 0, buffer.length, start);
      text = buffer.toString('utf8');
      if (start > 0) text = text.slice(text.indexOf('\n') + 1);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return out;
  }
  const step = (turn: number): TranscriptStep => {
    let last = out.steps.at(-1);
    if (!last || last.turn !== turn) out.steps.push((last = { turn, text: '', tools: [] }));
    return last;
  };
  for (const line of text.split('\n')) {
    if (!line) continue;
    let note: Record<string, unknown>;
    try {
      note = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue; // a line being appended right now
    }
    const turn = typeof note.turn === 'number' ? note.turn : 0;
    if (note.role === 'task' && typeof note.at === 'string') out.startedAt = Date.parse(note.at);
    else if (note.role === 'assistant') {
      out.turns = Math.max(out.turns, turn);
      if (typeof note.tokens === 'number') out.tokens = note.tokens;
      const blocks = Array.isArray(note.content) ? (note.content as { type?: string; text?: string }[]) : [];
      step(turn).text = blocks.flatMap((b) => (b.type === 'text' && typeof b.text === 'string' ? [b.text] : [])).join('\n');
      addUsage(out.usage, String(note.model ?? ''), note.usage);
    } else if (note.role === 'tool') {
      step(turn).tools.push({
        turn,
        tool: String(note.tool ?? ''),
        input: clip(JSON.stringify(note.input ?? {}), 300),
        isError: note.isError === true,
        ...(withOutput ? { output: clip(String(note.output ?? ''), 4000) } : {}),
      });
    } else if (note.role === 'result' && typeof note.summary === 'string') out.summary = note.summary;
    else if (note.role === 'stopped' && typeof note.error === 'string') out.stopped = note.error;
    else if (note.role === 'agent-output' && typeof note.output === 'string') step(turn).text = clip(note.output, 4000);
  }
  return out;
}

function addUsage(sums: Map<string, TokenUsage>, model: string, value: unknown): void {
  const u = (value ?? {}) as Partial<TokenUsage>;
  const sum = sums.get(model) ?? { inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0 };
  sums.set(model, {
    inputTokens: sum.inputTokens + (u.inputTokens ?? 0),
    outputTokens: sum.outputTokens + (u.outputTokens ?? 0),
    cacheCreationTokens: sum.cacheCreationTokens + (u.cacheCreationTokens ?? 0),
    cacheReadTokens: sum.cacheReadTokens + (u.cacheReadTokens ?? 0),
  });
}

export function taskView(deps: Pick<WebDeps, 'agentDir' | 'agentBudgets' | 'costOf' | 'clock' | 'store'>, action: ActionRecord): TaskView {
  const t = readTranscript(deps.agentDir, action.id);
  const flag = deps.store.kv.get(`agent.cancel.${action.id}`);
  return taskViewOf(action, t, {
    startedAt: t.startedAt ?? action.createdAt,
    spent: { turns: t.turns, tokens: t.tokens, costUsd: costOfUsage(t.usage, deps.costOf) },
    budgets: deps.agentBudgets(),
    now: deps.clock.now(),
    cancelRequested: flag !== undefined && flag !== null,
  });
}

/** What a task spent: its model calls (its turns), their tokens and their estimated cost (null when a price is unknown). */
export interface TaskSpent {
  turns: number;
  tokens: number;
  costUsd: number | null;
}

/** Tokens per model priced: null when any model's price is unknown. */
export function costOfUsage(usage: ReadonlyMap<string, TokenUsage>, costOf: (model: string, usage: TokenUsage) => number | null): number | null {
  const costs = [...usage].map(([model, u]) => costOf(model, u));
  return costs.some((c) => c === null) ? null : costs.reduce<number>((sum, c) => sum + (c ?? 0), 0);
}

/** An agent task's row, whichever store holds it. */
export interface TaskRow {
  id: string;
  state: ActionRecord['state'];
  params: unknown;
  result: unknown;
  error: string | null;
  createdAt: number;
  updatedAt: number;
}

/**
 * One card's view, the single daemon's and a team node's (team-tasks.ts) alike: the row's
 * state and outcome, the transcript's tool calls (empty when this process has none), and
 * what the task spent as the caller knows it.
 */
export function taskViewOf(
  action: TaskRow,
  t: Transcript,
  o: { startedAt: number; spent: TaskSpent; budgets: AgentBudgets; now: number; cancelRequested: boolean; ranOn?: TaskView['ranOn'] },
): TaskView {
  const params = (action.params ?? {}) as { repo?: unknown; instructions?: unknown };
  const result = (action.result ?? {}) as { pullRequest?: { url?: unknown }; summary?: unknown };
  const running = action.state === 'running' || action.state === 'approved';
  const endedAt = running ? null : action.updatedAt;
  const pullRequest = typeof result.pullRequest?.url === 'string' && /^https?:\/\//.test(result.pullRequest.url) ? result.pullRequest.url : null;
  return {
    id: action.id,
    state: action.state,
    repo: String(params.repo ?? ''),
    instructions: String(params.instructions ?? ''),
    startedAt: o.startedAt,
    endedAt,
    elapsedMs: Math.max(0, (endedAt ?? o.now) - o.startedAt),
    ...o.spent,
    budgets: o.budgets,
    lastTools: t.steps.flatMap((s) => s.tools).slice(-LAST_TOOLS),
    pullRequest,
    summary: typeof result.summary === 'string' ? result.summary : (t.summary ?? null),
    error: action.error ?? t.stopped ?? null,
    cancelling: running && o.cancelRequested,
    ...(o.ranOn ? { ranOn: o.ranOn } : {}),
  };
}

/** Running tasks first, then the most recent. */
export function tasksView(deps: Pick<WebDeps, 'agentDir' | 'agentBudgets' | 'costOf' | 'clock' | 'store'>): TaskView[] {
  return deps.store.actions.recentOfKind('agent.task', RECENT_TASKS).map((a) => taskView(deps, a));
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

import type { ConversationMessage, ConversationModel, ToolResultBlock } from '../model/index.js';
import { fencedTask } from './prompt.js';
import { runTool, TOOL_DEFINITIONS, type ToolLimits } from './tools.js';

/**
 * The built-in agent: a tool loop over the worktree. Each model call is a turn, made
 * through src/model (redaction, retries, circuit, the usage ledger); the loop ends when
 * the model answers without a tool call, or fails when a budget (turns, tokens) runs
 * out or the signal aborts (wall time, `vigil cancel`).
 */

/** The agent's model, as the loop uses it. */
export type AgentModel = Pick<ConversationModel, 'model' | 'reply'>;

export interface LoopOptions {
  root: string;
  instructions: string;
  repo: string;
  model: AgentModel;
  /** The event behind the task, for the usage ledger. */
  eventId: number | null;
  limits: ToolLimits;
  maxTurns: number;
  maxTokens: number;
  signal: AbortSignal;
  /** One line of the transcript. */
  note: (entry: Record<string, unknown>) => void;
  onRefusal: (tool: string, reason: string) => void;
}

export interface LoopResult {
  summary: string;
  turns: number;
  tokens: number;
}

/** A budget that ran out: the action fails with this message. */
export class BudgetExceeded extends Error {}

const SYSTEM = [
  'You are vigil, an AI agent working for the owner of a git repository, in a private worktree of it.',
  'Do the task with the tools: read and search the files, change them with edit or write_file, and run the allowed commands (tests, build) with bash.',
  'Paths are relative to the worktree root; .git is not yours to read or write. Commands run in a sandbox without network.',
  'Do not commit or push: vigil does that when you finish.',
  'When you are done, answer without a tool call: a short summary of what you changed and why (it becomes the pull request text), or why you changed nothing.',
].join('\n');

export async function runToolLoop(options: LoopOptions): Promise<LoopResult> {
  const { model, signal } = options;
  const messages: ConversationMessage[] = [{ role: 'user', content: fencedTask(options.repo, options.instructions) }];
  let tokens = 0;
  for (let turn = 1; ; turn++) {
    if (turn > options.maxTurns) throw new BudgetExceeded(`turn budget exceeded: ${options.maxTurns} turns without finishing`);
    signal.throwIfAborted();
    const answer = await model.reply({ system: SYSTEM, tools: TOOL_DEFINITIONS, messages, eventId: options.eventId, signal }).catch((err: unknown) => {
      throw signal.aborted ? signal.reason : err;
    });
    const usage = answer.usage;
    tokens += usage.inputTokens + usage.outputTokens + usage.cacheCreationTokens + usage.cacheReadTokens;
    // The breakdown and the model, so the dashboard's Tasks page can price what the task spent so far.
    options.note({ turn, role: 'assistant', content: answer.content, tokens, usage, model: model.model });
    if (tokens > options.maxTokens) throw new BudgetExceeded(`token budget exceeded: ${tokens} of ${options.maxTokens} tokens used`);
    const calls = answer.content.filter((block) => block.type === 'tool_use');
    if (calls.length === 0) {
      const summary = answer.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('\n').trim();
      return { summary, turns: turn, tokens };
    }
    messages.push({ role: 'assistant', content: answer.content });
    const results: ToolResultBlock[] = [];
    for (const call of calls) {
      const result = await runTool(options.root, call.name, (call.input ?? {}) as Record<string, unknown>, options.limits, signal);
      signal.throwIfAborted();
      if (result.refused !== undefined) options.onRefusal(call.name, result.refused);
      options.note({ turn, role: 'tool', tool: call.name, input: call.input, isError: result.isError, output: result.content });
      results.push({ type: 'tool_result', tool_use_id: call.id, content: result.content, is_error: result.isError });
    }
    messages.push({ role: 'user', content: results });
  }
}

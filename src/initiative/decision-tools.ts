import type { Clock } from '../clock.js';
import type { ModelConfig, WatchedRepo } from '../config/index.js';
import { githubTools, historyTool, memoryTools, memoryToolsOver, repoTools, type GithubReads, type InvestigationTool, type MemorySource } from '../investigate/index.js';
import type { JournalAppender, JournalWriter } from '../journal/index.js';
import { MemoryFiles, SearchIndex } from '../memory/index.js';
import type { Store } from '../store/index.js';
import { instructionsInPrompt } from './context.js';
import { threadMemory } from './thread.js';
import { Toolbox } from './toolbox.js';

export interface DecisionToolsOptions {
  model: Readonly<ModelConfig>;
  repos: readonly WatchedRepo[];
  store: Store;
  memoryDir: string;
  /** The daily logs: what `memory_search` indexes. */
  logsDir: string;
  journal: JournalWriter;
  clock: Clock;
  /** GitHub reads through the worker, which holds the credentials; absent without credentials. */
  githubReads?: GithubReads;
}

/**
 * The read-only tools a model-backed decision may call (issue 14), or none: the rules
 * provider decides in one step, and `model.decision.investigate: false` keeps one
 * forced `decide` call. GitHub tools are offered only when there are credentials to
 * answer them; the others need nothing but the home and the watched clones.
 */
export function decisionToolbox(options: DecisionToolsOptions): Toolbox | undefined {
  const { model } = options;
  if (model.provider === 'rules' || !model.decision.investigate || model.decision.maxToolCalls === 0) return undefined;
  const { store } = options;
  const tools: InvestigationTool[] = [
    // Committed files are read from local clones only: without one, the tools would only ever refuse.
    ...(options.repos.some((repo) => repo.path) ? repoTools(options.repos, { alreadyInPrompt: instructionsInPrompt(options.repos) }) : []),
    ...(options.githubReads ? githubTools(options.githubReads) : []),
    ...memoryTools({ files: new MemoryFiles(options.memoryDir), searchIndex: new SearchIndex(store, options.logsDir) }),
    historyTool((subject) => threadMemory(store, subject).lines),
  ];
  return new Toolbox({ tools, budgets: model.decision, journal: options.journal, clock: options.clock });
}

export interface TeamToolsOptions {
  model: Readonly<ModelConfig>;
  repos: readonly WatchedRepo[];
  /** What vigil decided and did about a subject, from the team's database (team-context.ts). */
  history: (subject: string) => Promise<string[]>;
  /** Each call's `decision.tool` line, on the node's chain. */
  journal: Pick<JournalAppender, 'write'>;
  clock: Clock;
  /** GitHub reads through the node's worker, which holds the credentials; absent without credentials. */
  githubReads?: GithubReads;
  /** The team's memory: its files and the node-local search index (src/memory/team-mirror.ts). */
  memory?: MemorySource;
}

/**
 * A team node's tools (issue 19), the home's over the team's database: the committed files
 * of local clones, GitHub through the node's worker, `memory_view` and `memory_search`
 * over the team's memory, log and inbox, and `vigil_history` from the team's tables.
 */
export function teamDecisionToolbox(options: TeamToolsOptions): Toolbox | undefined {
  const { model } = options;
  if (model.provider === 'rules' || !model.decision.investigate || model.decision.maxToolCalls === 0) return undefined;
  const tools: InvestigationTool[] = [
    ...(options.repos.some((repo) => repo.path) ? repoTools(options.repos, { alreadyInPrompt: instructionsInPrompt(options.repos) }) : []),
    ...(options.githubReads ? githubTools(options.githubReads) : []),
    ...(options.memory ? memoryToolsOver(options.memory) : []),
    historyTool(options.history),
  ];
  return new Toolbox({ tools, budgets: model.decision, journal: options.journal, clock: options.clock });
}

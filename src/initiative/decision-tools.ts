import type { Clock } from '../clock.js';
import type { ModelConfig, WatchedRepo } from '../config/index.js';
import { githubTools, type GithubReads, type InvestigationTool } from '../investigate/index.js';
import type { JournalWriter } from '../journal/index.js';
import type { Store } from '../store/index.js';
import { Toolbox } from './toolbox.js';

export interface DecisionToolsOptions {
  model: Readonly<ModelConfig>;
  repos: readonly WatchedRepo[];
  store: Store;
  memoryDir: string;
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
  const tools: InvestigationTool[] = [...(options.githubReads ? githubTools(options.githubReads) : [])];
  if (tools.length === 0) return undefined;
  return new Toolbox({ tools, budgets: model.decision, journal: options.journal, clock: options.clock });
}

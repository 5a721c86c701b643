import path from 'node:path';
import type { Clock } from '../clock.js';
import type { ModelConfig } from '../config/index.js';
import { usageReport } from '../model/index.js';
import type { PgStore } from '../store/index.js';
import type { TeamTask, TeamTasksDeps, TeamTasksSource } from '../web/index.js';

/** Tasks one page shows, newest first (as the single daemon's, src/web/tasks.ts). */
const RECENT_TASKS = 15;
/** The dream records looked at: today's and yesterday's, as the single daemon reads its log. */
const DREAM_WINDOW_MS = 2 * 86_400_000;
/** A run's node and start once known, per claim (`id#attempts`): a task's claim never changes, only a new claim adds one. */
const RUNS_KEPT = 200;

/**
 * The Tasks page's reads on a node (src/web/team-tasks.ts) over the team's store: the
 * newest agent tasks, their model calls from the usage ledger, the node that claimed each
 * (its `action.started` line, looked up once per claim: the page's stream reads every
 * second), the transcripts under this node's home, and the dream from every chain and
 * `dream_state`. Budgets and prices are this node's config, as its status shows them.
 */
export function teamTasksSource(deps: { store: PgStore; clock: Clock; home: string; agentBudgets: TeamTasksDeps['agentBudgets']; pricing(): Pick<ModelConfig, 'prices' | 'cacheTtl'> }): TeamTasksSource {
  const { store, clock } = deps;
  const runs = new Map<string, { node: string; startedAt: number }>();
  type Row = NonNullable<Awaited<ReturnType<PgStore['agentTasks']['get']>>>;
  const runOf = async (row: Row): Promise<TeamTask['run']> => {
    if (row.state === 'approved') return undefined;
    const key = `${row.id}#${row.attempts}`;
    const known = runs.get(key);
    if (known) return known;
    const found = await store.agentTasks.lastRun(row);
    if (!found) return row.heldBy ? { node: row.heldBy, startedAt: row.updatedAt } : undefined;
    if (runs.size >= RUNS_KEPT) runs.delete(runs.keys().next().value!);
    runs.set(key, found);
    return found;
  };
  const withFacts = async (rows: Row[]): Promise<TeamTask[]> => {
    const usage = await store.agentTasks.usage(rows.map((r) => r.id));
    return Promise.all(rows.map(async (row) => ({ ...row, run: await runOf(row), usage: usage.get(row.id) })));
  };
  return {
    clock,
    agentDir: path.join(deps.home, 'agent'),
    agentBudgets: () => deps.agentBudgets(),
    costOf: (model, usage) => usageReport('', [{ model, purpose: 'agent', calls: 1, ...usage }], deps.pricing()).models[0]?.estimatedCostUsd ?? null,
    recent: async () => withFacts(await store.agentTasks.recent(RECENT_TASKS)),
    get: async (id) => {
      const row = await store.agentTasks.get(id);
      return row ? (await withFacts([row]))[0] : undefined;
    },
    dream: async () => {
      const [last, dreaming] = await Promise.all([store.dreams.lastRecord(clock.now() - DREAM_WINDOW_MS), store.dreams.dreaming()]);
      if (!last) return undefined;
      return { ...last, running: last.entry.type === 'dream.started' && dreaming?.dreamId === last.entry.dreamId };
    },
  };
}

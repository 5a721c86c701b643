/**
 * What a team node's worker claims (issue 19), apart from the handlers that carry it out
 * (team-handlers.ts), so that the node — which decides when to start a worker that exited
 * idle (src/daemon/team-worker.ts) — asks the same question without loading them. Every
 * action of the catalog has a team handler (test/unit/team-claimable.test.ts).
 */
import { ACTION_NAMES } from '../action-names.js';
import type { Claimable } from '../store/index.js';

/** The actions that run in a worktree of a local clone of their repository (`repos[].path`). */
const CLONED_ACTIONS: readonly string[] = ['agent.task'];

/** A worker's two lanes, as on SQLite (issue 15): agent tasks, and everything else beside them. */
export type TeamLane = 'main' | 'agent';

type Repos = ReadonlyArray<{ name: string; path?: string | undefined }>;

/**
 * What a node's worker claims in each lane: in `main` every action it runs but agent
 * tasks; in `agent` an agent task, and only when this node's config has a clone of its
 * repository (`repos[]` with a `path`). A node without one leaves the task approved for a
 * node that has one, rather than claiming and failing it; the claim query filters
 * (src/store/pg/leases.ts), so the task is never taken from a node that could run it.
 */
export function claimableOn(repos: Repos): Record<TeamLane, Claimable> {
  const cloned = clonedOn(repos);
  return {
    main: { actions: ACTION_NAMES.filter((a) => !CLONED_ACTIONS.includes(a)) },
    agent: { actions: CLONED_ACTIONS, cloned: { actions: CLONED_ACTIONS, repos: cloned } },
  };
}

/** Both lanes at once: what this node's worker would claim in either. */
export function claimableByNode(repos: Repos): Claimable {
  return { actions: ACTION_NAMES, cloned: { actions: CLONED_ACTIONS, repos: clonedOn(repos) } };
}

function clonedOn(repos: Repos): string[] {
  return repos.filter((r) => r.path).map((r) => r.name);
}

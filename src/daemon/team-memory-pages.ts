import { searchTeam } from '../memory/index.js';
import { editTeamMemoryFact } from '../operations/index.js';
import type { PgStore } from '../store/index.js';
import { TEAM_PAGES, type AuthDeps, type TeamMemoryDeps } from '../web/index.js';

/** How many hits of the logs the Memory page shows (as searchLogs gives a home's page). */
const LOG_HITS = 20;

/**
 * A node's Memory page and log records (issue 19) over the team's store: memory's newest
 * versions from `memory_files`, the logs' search through this node's index of every
 * chain (`<home>/cache`, as `vigil memory search` and a decision's memory_search use it),
 * the owner's edits written as one transaction under the memory lock, records from `log_entries`.
 */
export function teamMemoryDeps(deps: { store: PgStore; home: string; githubWebUrl: string }, auth: AuthDeps): TeamMemoryDeps {
  const { store } = deps;
  return {
    ...auth,
    memoryHeads: () => store.memoryHeads(),
    searchLogs: (query) => searchTeam(deps.home, store.searchSource(), query, LOG_HITS),
    editFact: (edit) => editTeamMemoryFact({ store, clock: auth.clock }, edit),
    logRecords: (day, seq, node) => store.logRecords(day, seq, node),
    githubWebUrl: deps.githubWebUrl,
    pages: TEAM_PAGES,
  };
}

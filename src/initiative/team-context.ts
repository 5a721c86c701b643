import { INDEX_FILE } from '../memory/index.js';
import type { PgStore } from '../store/index.js';
import { recentActivityOf } from './activity.js';
import type { ContextSource } from './context.js';
import { threadMemoryOf, type ThreadReader } from './thread.js';

/**
 * A team node's decision context (issue 19), read from PostgreSQL: the approvals waiting,
 * the team's recent activity (every node's log, `log_entries`) and thread memory (the
 * `decisions` and `actions` about the event's subject, with outcomes) — the same lines
 * the home's SQLite store and daily logs give (context.ts `homeContext`).
 */
export function teamContext(store: PgStore): ContextSource {
  return {
    pendingApprovals: () => store.actions.pendingApprovals(),
    recentActivity: () =>
      recentActivityOf((types, limit) => store.recentLog(types, limit), {
        ofEvents: (ids) => store.decisions.subjectsOfEvents(ids),
        ofActions: (ids) => store.actions.subjectsOf(ids),
      }),
    thread: (subject) => threadMemoryOf(threadReader(store), subject),
  };
}

/** `vigil_history` on a node: the thread memory's lines of any subject. */
export function teamHistory(store: PgStore): (subject: string) => Promise<string[]> {
  return async (subject) => (await threadMemoryOf(threadReader(store), subject)).lines;
}

function threadReader(store: PgStore): ThreadReader {
  return {
    decisions: (subject, limit) => store.decisions.aboutSubject(subject, limit, true),
    actions: (subject, limit) => store.actions.aboutSubject(subject, limit),
  };
}

/** The team's MEMORY.md (the dreamer writes it into `memory_files`); empty when there is none yet. */
export async function teamMemoryIndex(store: PgStore): Promise<string> {
  return (await store.memoryFile(INDEX_FILE)) ?? '';
}

import fs from 'node:fs/promises';
import path from 'node:path';
import type { WatchedRepo } from '../config/index.js';
import type { Store } from '../store/index.js';
import { localRepos, readRepoState, type RepoState, type TickPayload } from '../tick/index.js';

export interface DecisionContext {
  repos: RepoState[];
  dueReminders: { note: string; dueAt: string }[];
  pendingApprovals: { id: string; action: string; params: unknown; expiresAt: string | null }[];
}

/** What a decision sees besides its event. A tick looks at every watched local clone. */
export async function buildContext(
  store: Store,
  repos: readonly WatchedRepo[],
  tick: TickPayload | undefined,
): Promise<DecisionContext> {
  const states = tick ? await Promise.all(localRepos(repos).map(readRepoState)) : [];
  return {
    repos: states,
    dueReminders: (tick?.dueReminders ?? []).map((r) => ({ note: r.note, dueAt: new Date(r.dueAt).toISOString() })),
    pendingApprovals: store.actions.pendingApprovals().map((a) => ({
      id: a.id,
      action: a.action,
      params: a.params,
      expiresAt: a.expiresAt === null ? null : new Date(a.expiresAt).toISOString(),
    })),
  };
}

export async function readMemoryIndex(memoryDir: string): Promise<string> {
  return fs.readFile(path.join(memoryDir, 'MEMORY.md'), 'utf8').catch(() => '');
}

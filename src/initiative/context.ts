import fs from 'node:fs/promises';
import path from 'node:path';
import type { WatchedRepo } from '../config/index.js';
import { INDEX_FILE } from '../memory/index.js';
import type { Store } from '../store/index.js';
import { digestForPrompt, localRepos, readRepoState, type RepoState, type TickPayload } from '../tick/index.js';
import { recentActivity, type ActivitySubjects } from './activity.js';
import { subjectKey, subjectOfEvent } from './subject.js';
import { threadMemory, type ThreadMemory } from './thread.js';

/** What a decision sees besides its event: the dynamic part of the prompt. */
export interface DecisionContext {
  now: string;
  /** Where each watched clone stands (ticks only); its instruction files are in the stable prefix instead. */
  repos: Omit<RepoState, 'instructions'>[];
  dueReminders: { note: string; dueAt: string }[];
  /**
   * What waits for the owner on GitHub, per watched repository (ticks only, issue 15): its
   * titles are third-party text, fenced with the rest of the context.
   */
  openWork?: ReturnType<typeof digestForPrompt>[];
  /** Repositories whose digest could not be read for this tick. */
  openWorkFailed?: { repo: string; error: string }[];
  pendingApprovals: { id: string; action: string; params: unknown; expiresAt: string | null }[];
  /** The tail of vigil's own log, rendered like `vigil log`. */
  recentActivity: string[];
  /** What vigil decided and did before about the event's issue, pull request or commit; absent when it has none (a tick). */
  thread?: ThreadMemory;
}

/** A watched clone's CLAUDE.md or AGENTS.md: the owner's standing instructions for agents there. */
export interface RepoInstructions {
  repo: string;
  file: string;
  text: string;
}

const INSTRUCTION_FILES = ['CLAUDE.md', 'AGENTS.md'];
const INSTRUCTION_CAP = 8 * 1024;

/**
 * Where a decision's context comes from: the home's SQLite store and daily logs
 * (`homeContext`), or a team's PostgreSQL (team-context.ts). The prompt is built by the
 * same code from either.
 */
export interface ContextSource {
  /** Approvals waiting for the owner, oldest first. */
  pendingApprovals(): Promise<{ id: string; action: string; params: unknown; expiresAt: number | null }[]>;
  /** vigil's recent activity lines (activity.ts). */
  recentActivity(): Promise<string[]>;
  /** What vigil decided and did before about a subject key (thread.ts). */
  thread(subject: string): Promise<ThreadMemory>;
}

/** A home's context: its SQLite store, and its daily logs when `logsDir` is given. */
export function homeContext(store: Store, logsDir?: string): ContextSource {
  const subjects: ActivitySubjects = {
    ofEvents: (ids) => store.decisions.subjectsOfEvents(ids),
    ofActions: (ids) => store.actions.subjectsOf(ids),
  };
  return {
    pendingApprovals: async () => store.actions.pendingApprovals(),
    recentActivity: async () => (logsDir ? recentActivity(logsDir, subjects) : []),
    thread: async (subject) => threadMemory(store, subject),
  };
}

export async function buildContext(
  source: ContextSource,
  repos: readonly WatchedRepo[],
  tick: TickPayload | undefined,
  where: { now: number },
  event?: { source: string; payload: unknown },
): Promise<DecisionContext> {
  const states = tick ? await Promise.all(localRepos(repos).map(readRepoState)) : [];
  const subject = event ? subjectOfEvent(event) : undefined;
  const [pending, recent, thread] = await Promise.all([
    source.pendingApprovals(),
    source.recentActivity(),
    subject ? source.thread(subjectKey(subject)) : undefined,
  ]);
  return {
    now: new Date(where.now).toISOString(),
    repos: states.map(({ instructions: _instructions, ...state }) => ({ ...state, head: state.head.slice(0, 12) })),
    dueReminders: (tick?.dueReminders ?? []).map((r) => ({ note: r.note, dueAt: new Date(r.dueAt).toISOString() })),
    ...(tick?.openWork ? { openWork: tick.openWork.map(digestForPrompt) } : {}),
    ...(tick?.openWorkFailed ? { openWorkFailed: tick.openWorkFailed } : {}),
    pendingApprovals: pending.map((a) => ({
      id: a.id,
      action: a.action,
      params: a.params,
      expiresAt: a.expiresAt === null ? null : new Date(a.expiresAt).toISOString(),
    })),
    recentActivity: recent,
    ...(thread ? { thread } : {}),
  };
}

export async function readMemoryIndex(memoryDir: string): Promise<string> {
  return fs.readFile(path.join(memoryDir, INDEX_FILE), 'utf8').catch(() => '');
}

/**
 * Every watched clone's instruction files, in config order, for the stable prefix:
 * they change when the owner edits them, not from call to call.
 */
/**
 * For `repo_read` (issue 14): a note in place of a file the prompt already holds whole — a
 * repository's instructions file whose committed text is the same as the one read into
 * the prompt (from the clone's working tree, so an uncommitted edit makes them differ).
 */
export function instructionsInPrompt(repos: readonly WatchedRepo[]): (repo: string, file: string, text: string) => Promise<string | undefined> {
  return async (repo, file, text) => {
    if (!INSTRUCTION_FILES.includes(file) || text.length > INSTRUCTION_CAP) return undefined;
    const held = (await readRepoInstructions(repos)).find((i) => i.repo === repo && i.file === file);
    return held?.text === text ? `the same text as the ${file} in your repository instructions above; read it there` : undefined;
  };
}

export async function readRepoInstructions(repos: readonly WatchedRepo[]): Promise<RepoInstructions[]> {
  const found: RepoInstructions[] = [];
  for (const repo of localRepos(repos)) {
    for (const file of INSTRUCTION_FILES) {
      const text = await fs.readFile(path.join(repo.path, file), 'utf8').catch(() => undefined);
      if (text !== undefined) found.push({ repo: repo.name, file, text: text.slice(0, INSTRUCTION_CAP) });
    }
  }
  return found;
}

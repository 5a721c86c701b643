/**
 * The GitHub effects of a team node's worker (issue 19): the same exactly-once effects as
 * the SQLite worker's (effects.ts, hands.ts: the marker looked for before a comment or an
 * issue is written, state read back before it is changed), over one set of clients. What
 * the SQLite session keeps in its store (a re-run's attempt number) lives in the action's
 * row in PostgreSQL here (`TeamEffectMarks`), so a node that takes over a dead node's
 * action finds it. The missed-delivery sweep is the home's (`sweepHook`) over the memory the
 * worker passes: the team's tables (src/exec/team-sweep.ts). Reads for decisions as the
 * SQLite worker answers them (watched repositories only, a fixed set of GETs), their
 * ETags kept for the worker's life only.
 */
import type { Clock } from '../clock.js';
import type { GithubConfig } from '../config/index.js';
import type { EventRecord } from '../events.js';
import { clientsOnDemand, sweepHook } from './session.js';
import { memoryCache, type AnswerCache } from './conditional.js';
import { answerGithubQuery, assertWatched, parseGithubQuery, type WatchedRepos } from './reads.js';
import { addLabels, commentOnce, createIssueOnce } from './effects.js';
import { assign, merge, removeLabels, requestReview, rerunFailedJobs, setIssueState, type RerunMemory } from './hands.js';
import type { GithubCredentials, GithubSession, SweepMemory, SweepResult } from './types.js';

/** Where an action's effect mark is kept between the look and the write (the team store's actions row). */
export interface TeamEffectMarks {
  rerun(actionId: string): RerunMemory;
}

export type TeamGithubSession = Omit<GithubSession, 'sweep'> & {
  /** Missed-delivery sweep over `memory`; undefined when no hook is configured or no credentials exist. */
  sweep(memory: SweepMemory): Promise<SweepResult | undefined>;
};

export interface TeamSessionOptions {
  config: Readonly<GithubConfig>;
  credentials: GithubCredentials | undefined;
  baseUrl: string;
  marks: TeamEffectMarks;
  clock: Clock;
  record: (record: EventRecord) => void;
  /** Watched clones (`repos[].name`): readable besides the `github.repos` patterns. */
  watchedNames?: readonly string[];
}

export function openTeamGithub(options: TeamSessionOptions): TeamGithubSession {
  const { config, credentials, marks, clock, record } = options;
  const need = clientsOnDemand(credentials, options.baseUrl, clock, record);
  const effect = { ...(config.ownerLogin ? { ownerLogin: config.ownerLogin } : {}) };
  const watched: WatchedRepos = { patterns: config.repos, names: options.watchedNames ?? [] };
  const kept = new Map<string, AnswerCache>();
  return {
    comment: async (params, action) => commentOnce(await need().forRepo(params.repo), params, action, effect),
    createIssue: async (params, action) => createIssueOnce(await need().forRepo(params.repo), params, action, effect),
    label: async (params) => addLabels(await need().forRepo(params.repo), params),
    removeLabels: async (params) => removeLabels(await need().forRepo(params.repo), params),
    assign: async (params) => assign(await need().forRepo(params.repo), params),
    requestReview: async (params) => requestReview(await need().forRepo(params.repo), params),
    setState: async (params) => setIssueState(await need().forRepo(params.repo), params),
    rerunFailedJobs: async (params, action) => rerunFailedJobs(await need().forRepo(params.repo), params, marks.rerun(action.id)),
    merge: async (params) => merge(await need().forRepo(params.repo), params),
    sweep: (memory) => sweepHook(config, credentials ? need : undefined, { memory, clock }),
    read: async (value, signal) => {
      const query = parseGithubQuery(value);
      assertWatched(query.repo, watched);
      const repo = query.repo.toLowerCase();
      if (!kept.has(repo)) kept.set(repo, memoryCache());
      return answerGithubQuery(await need().forRepo(query.repo), query, signal, kept.get(repo));
    },
  };
}

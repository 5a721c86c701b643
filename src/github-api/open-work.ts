import type { GithubOctokit } from './client.js';
import { splitRepo } from './client.js';
import { ConditionalReader, type AnswerCache } from './conditional.js';
import type { GithubQuery } from './reads.js';
import type { OpenWorkDigest, OpenWorkItem, OpenWorkProblem } from './types.js';

/**
 * The open-work digest of one repository (issue 15), read on each tick: the default
 * branch and its latest CI result, the open pull requests (one page: who asks the owner
 * for a review, which are the owner's, which are idle), the issues assigned to the owner,
 * and for each of the owner's first pull requests its mergeability, reviews and checks.
 * Every request is a conditional GET (src/github-api/conditional.ts): in a world where
 * nothing changed they are all answered 304 and cost no rate limit.
 */

export type OpenWorkQuery = Extract<GithubQuery, { kind: 'open_work' }>;

export const OPEN_WORK_LIMITS = {
  /** Open pull requests read (one page, most recently updated first). */
  pulls: 100,
  /** The owner's pull requests whose reviews, checks and mergeability are read (three GETs each). */
  ownPullsChecked: 5,
  /** Items per list in the digest. */
  items: 20,
  /** Characters of a title. */
  title: 200,
} as const;

/** Conclusions that mean a check run failed. */
const FAILED = new Set(['failure', 'timed_out', 'cancelled', 'action_required', 'startup_failure']);

interface PullKept {
  number: number;
  title: string;
  author: string | null;
  draft: boolean;
  updatedAt: string;
  url: string;
  headSha: string;
  reviewers: string[];
}

interface RunKept {
  name: string;
  status: string;
  conclusion: string | null;
  sha: string;
}

export async function readOpenWork(octokit: GithubOctokit, query: OpenWorkQuery, cache: AnswerCache, signal: AbortSignal): Promise<OpenWorkDigest> {
  const reader = new ConditionalReader(octokit, cache, signal);
  const where = splitRepo(query.repo);
  const owner = query.owner?.toLowerCase();
  const truncated: string[] = [];

  const defaultBranch = await reader.get('GET /repos/{owner}/{repo}', where, (data) => String((data as { default_branch: string }).default_branch));
  const mainRuns = await checkRuns(reader, where, defaultBranch);
  const pulls = await reader.get('GET /repos/{owner}/{repo}/pulls', { ...where, state: 'open', sort: 'updated', direction: 'desc', per_page: OPEN_WORK_LIMITS.pulls }, keepPulls);
  if (pulls.length === OPEN_WORK_LIMITS.pulls) truncated.push(`pull requests: the ${OPEN_WORK_LIMITS.pulls} most recently updated read`);

  const reviewRequested = owner ? pulls.filter((p) => !p.draft && p.reviewers.includes(owner)) : [];
  const stale = pulls.filter((p) => p.updatedAt < query.staleBefore);
  const ownPulls: OpenWorkDigest['ownPulls'] = [];
  let assigned: OpenWorkItem[] = [];
  if (owner) {
    const mine = pulls.filter((p) => p.author?.toLowerCase() === owner);
    if (mine.length > OPEN_WORK_LIMITS.ownPullsChecked) truncated.push(`the owner's pull requests: the ${OPEN_WORK_LIMITS.ownPullsChecked} most recently updated checked of ${mine.length}`);
    for (const pull of mine.slice(0, OPEN_WORK_LIMITS.ownPullsChecked)) {
      const problems = await pullProblems(reader, where, pull);
      if (problems.length) ownPulls.push({ ...item(pull), problems });
    }
    assigned = await reader.get(
      'GET /repos/{owner}/{repo}/issues',
      { ...where, assignee: query.owner, state: 'open', sort: 'updated', direction: 'desc', per_page: 50 },
      keepIssues,
    );
  }
  reader.finish();

  return {
    repo: query.repo,
    defaultBranch,
    ci: { sha: mainRuns[0]?.sha ?? null, ...ciState(mainRuns) },
    owner: query.owner ?? null,
    reviewRequested: capped(reviewRequested.map(item), 'reviews requested', truncated),
    ownPulls: capped(ownPulls, "the owner's pull requests", truncated),
    assigned: capped(assigned, 'assigned issues', truncated),
    stale: capped(stale.map(item), 'idle pull requests', truncated),
    truncated,
    fetched: { ...reader.stats },
  };
}

function checkRuns(reader: ConditionalReader, where: { owner: string; repo: string }, ref: string): Promise<RunKept[]> {
  return reader.get('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', { ...where, ref, filter: 'latest', per_page: 100 }, (data) =>
    (data as { check_runs: Array<{ name: string; status: string; conclusion: string | null; head_sha: string }> }).check_runs.map((run) => ({
      name: run.name,
      status: run.status,
      conclusion: run.conclusion,
      sha: run.head_sha,
    })),
  );
}

function ciState(runs: readonly RunKept[]): Pick<OpenWorkDigest['ci'], 'state' | 'failed'> {
  const failed = runs.filter((r) => r.conclusion !== null && FAILED.has(r.conclusion)).map((r) => r.name).sort();
  if (failed.length) return { state: 'failure', failed };
  if (runs.some((r) => r.status !== 'completed')) return { state: 'pending', failed };
  return { state: runs.length ? 'success' : 'none', failed };
}

/** Conflicts, changes requested (a reviewer's latest verdict), failing checks on the head. */
async function pullProblems(reader: ConditionalReader, where: { owner: string; repo: string }, pull: PullKept): Promise<OpenWorkProblem[]> {
  const problems: OpenWorkProblem[] = [];
  const detail = await reader.get('GET /repos/{owner}/{repo}/pulls/{pull_number}', { ...where, pull_number: pull.number }, (data) => {
    const d = data as { mergeable?: boolean | null; mergeable_state?: string };
    return { mergeable: d.mergeable ?? null, state: d.mergeable_state ?? 'unknown' };
  });
  if (detail.mergeable === false || detail.state === 'dirty') problems.push('conflicts');
  const reviews = await reader.get('GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews', { ...where, pull_number: pull.number, per_page: 100 }, (data) =>
    (data as Array<{ user?: { login: string } | null; state: string }>).map((r) => ({ login: r.user?.login ?? '?', state: r.state })),
  );
  // Reviews come oldest first; a reviewer's comment does not undo their verdict.
  const verdicts = new Map<string, string>();
  for (const review of reviews) if (review.state !== 'COMMENTED' && review.state !== 'PENDING') verdicts.set(review.login, review.state);
  if ([...verdicts.values()].includes('CHANGES_REQUESTED')) problems.push('changes requested');
  const runs = await checkRuns(reader, where, pull.headSha);
  if (ciState(runs).state === 'failure') problems.push('failing checks');
  return problems;
}

function keepPulls(data: unknown): PullKept[] {
  return (data as Array<Record<string, unknown>>).map((p) => {
    const pull = p as {
      number: number;
      title: string;
      user?: { login: string } | null;
      draft?: boolean;
      updated_at: string;
      html_url: string;
      head: { sha: string };
      requested_reviewers?: Array<{ login: string }> | null;
    };
    return {
      number: pull.number,
      title: pull.title.slice(0, OPEN_WORK_LIMITS.title),
      author: pull.user?.login ?? null,
      draft: pull.draft === true,
      updatedAt: pull.updated_at,
      url: pull.html_url,
      headSha: pull.head.sha,
      reviewers: (pull.requested_reviewers ?? []).map((r) => r.login.toLowerCase()),
    };
  });
}

/** The issues list names pull requests too: those are left out. */
function keepIssues(data: unknown): OpenWorkItem[] {
  const issues = data as Array<{ number: number; title: string; user?: { login: string } | null; updated_at: string; html_url: string; pull_request?: unknown }>;
  return issues
    .filter((i) => i.pull_request === undefined || i.pull_request === null)
    .map((i) => ({
      number: i.number,
      title: i.title.slice(0, OPEN_WORK_LIMITS.title),
      ...(i.user ? { author: i.user.login } : {}),
      updatedAt: i.updated_at,
      url: i.html_url,
    }));
}

function item(pull: PullKept): OpenWorkItem {
  return { number: pull.number, title: pull.title, ...(pull.author ? { author: pull.author } : {}), updatedAt: pull.updatedAt, url: pull.url };
}

function capped<T>(list: T[], name: string, truncated: string[]): T[] {
  if (list.length <= OPEN_WORK_LIMITS.items) return list;
  truncated.push(`${name}: ${OPEN_WORK_LIMITS.items} of ${list.length} listed`);
  return list.slice(0, OPEN_WORK_LIMITS.items);
}

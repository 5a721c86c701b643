import type { GithubOctokit } from './client.js';
import { splitRepo } from './client.js';
import type { HandResult } from './types.js';

/**
 * The GitHub actions after comment, label and create_issue (issue 15). Each one looks
 * before it writes, so a worker that died between its request and its record finds the
 * effect already there on the retry and writes nothing (`reused: true`):
 *
 * - state changes (labels removed, assignees, reviewers, open/closed, merged) are read
 *   back from GitHub first, and only what is still missing is written;
 * - a re-run leaves no state to read back, so the run's attempt number is written down
 *   (the store) before the request: a later attempt number means it was asked already.
 *
 * Writes that are not idempotent go out without the retry plugin's blind retries.
 */

type Issue = { repo: string; number: number };

export async function removeLabels(octokit: GithubOctokit, params: Issue & { labels: string[] }): Promise<HandResult> {
  const { owner, repo } = splitRepo(params.repo);
  const { data } = await octokit.rest.issues.get({ owner, repo, issue_number: params.number });
  const present = new Set(data.labels.map((label) => (typeof label === 'string' ? label : label.name ?? '')).map(lower));
  const toRemove = params.labels.filter((label) => present.has(lower(label)));
  for (const name of toRemove) {
    try {
      await octokit.rest.issues.removeLabel({ owner, repo, issue_number: params.number, name });
    } catch (err) {
      // Removed by someone else meanwhile: what was asked is true.
      if (statusOf(err) !== 404) throw err;
    }
  }
  return { repo: params.repo, number: params.number, changed: toRemove, reused: toRemove.length === 0 };
}

export async function assign(octokit: GithubOctokit, params: Issue & { assignees: string[] }): Promise<HandResult> {
  const { owner, repo } = splitRepo(params.repo);
  const { data } = await octokit.rest.issues.get({ owner, repo, issue_number: params.number });
  const already = new Set((data.assignees ?? []).map((user) => lower(user.login)));
  const missing = params.assignees.filter((login) => !already.has(lower(login)));
  if (missing.length) {
    const { data: after } = await octokit.rest.issues.addAssignees({ owner, repo, issue_number: params.number, assignees: missing });
    // GitHub drops, without an error, a login that may not be assigned: say so rather than claim it.
    const assigned = new Set((after.assignees ?? []).map((user) => lower(user.login)));
    const refused = missing.filter((login) => !assigned.has(lower(login)));
    if (refused.length) throw new Error(`GitHub did not assign ${refused.join(', ')} (no access to ${params.repo}?)`);
  }
  return { repo: params.repo, number: params.number, changed: missing, reused: missing.length === 0 };
}

export async function requestReview(octokit: GithubOctokit, params: Issue & { reviewers: string[] }): Promise<HandResult> {
  const { owner, repo } = splitRepo(params.repo);
  const { data } = await octokit.rest.pulls.listRequestedReviewers({ owner, repo, pull_number: params.number });
  const already = new Set(data.users.map((user) => lower(user.login)));
  const missing = params.reviewers.filter((login) => !already.has(lower(login)));
  if (missing.length) {
    // Asking again notifies the reviewer again: never blindly retried.
    await octokit.rest.pulls.requestReviewers({ owner, repo, pull_number: params.number, reviewers: missing, request: { retries: 0 } });
  }
  return { repo: params.repo, number: params.number, changed: missing, reused: missing.length === 0 };
}

export async function setIssueState(
  octokit: GithubOctokit,
  params: Issue & { state: 'open' | 'closed'; reason?: 'completed' | 'not_planned' },
): Promise<HandResult> {
  const { owner, repo } = splitRepo(params.repo);
  const { data } = await octokit.rest.issues.get({ owner, repo, issue_number: params.number });
  if (data.state === params.state) return { repo: params.repo, number: params.number, changed: [], reused: true };
  const reason = params.state === 'closed' ? (params.reason ?? 'completed') : 'reopened';
  await octokit.rest.issues.update({ owner, repo, issue_number: params.number, state: params.state, state_reason: reason });
  return { repo: params.repo, number: params.number, changed: [params.state], reused: false };
}

/** Where a re-run's attempt number is kept between the look and the write. */
export interface RerunMemory {
  /** The run's attempt number seen just before this action asked for a re-run; undefined: never asked. */
  asked(): number | undefined | Promise<number | undefined>;
  /** Durable before the request goes out (the team's memory is a row in PostgreSQL, hence a promise). */
  remember(attempt: number): void | Promise<void>;
}

export async function rerunFailedJobs(
  octokit: GithubOctokit,
  params: { repo: string; runId: number },
  memory: RerunMemory,
): Promise<HandResult & { runId: number; attempt: number }> {
  const { owner, repo } = splitRepo(params.repo);
  const { data: run } = await octokit.rest.actions.getWorkflowRun({ owner, repo, run_id: params.runId });
  const attempt = run.run_attempt ?? 1;
  const asked = await memory.asked();
  // GitHub counted a new attempt since this action asked: the re-run took place.
  if (asked !== undefined && attempt > asked) return { repo: params.repo, runId: params.runId, attempt, changed: [], reused: true };
  await memory.remember(attempt);
  await octokit.rest.actions.reRunWorkflowFailedJobs({ owner, repo, run_id: params.runId, request: { retries: 0 } });
  return { repo: params.repo, runId: params.runId, attempt: attempt + 1, changed: ['rerun'], reused: false };
}

export async function merge(
  octokit: GithubOctokit,
  params: Issue & { sha: string; method?: 'merge' | 'squash' | 'rebase' },
): Promise<HandResult & { sha: string | null }> {
  const { owner, repo } = splitRepo(params.repo);
  const { data: pull } = await octokit.rest.pulls.get({ owner, repo, pull_number: params.number });
  if (pull.merged) {
    // Merged from this head (by the action's first attempt, or by anyone): done. From another head: not what was approved.
    if (pull.head.sha !== params.sha) throw new Error(`pull request #${params.number} was merged at ${pull.head.sha}, not at the approved ${params.sha}`);
    return { repo: params.repo, number: params.number, changed: [], reused: true, sha: pull.merge_commit_sha ?? null };
  }
  try {
    const { data } = await octokit.rest.pulls.merge({
      owner,
      repo,
      pull_number: params.number,
      // GitHub refuses (409) when the head moved: the owner approved this commit, not a later push.
      sha: params.sha,
      ...(params.method ? { merge_method: params.method } : {}),
      request: { retries: 0 },
    });
    return { repo: params.repo, number: params.number, changed: ['merged'], reused: false, sha: data.sha };
  } catch (err) {
    // A lost answer may hide a merge that happened: look once more before calling it failed.
    const status = statusOf(err);
    if (status !== undefined && status < 500) throw err;
    const { data: again } = await octokit.rest.pulls.get({ owner, repo, pull_number: params.number });
    if (!again.merged || again.head.sha !== params.sha) throw err;
    return { repo: params.repo, number: params.number, changed: [], reused: true, sha: again.merge_commit_sha ?? null };
  }
}

function lower(text: string): string {
  return text.toLowerCase();
}

function statusOf(err: unknown): number | undefined {
  const status = (err as { status?: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}

import { carriesMarker, splitRepo, withDisclosure, type GithubOctokit } from '../github-api/index.js';

/**
 * The task's one effect on GitHub: a DRAFT pull request from `vigil/<action id>`, its
 * body with the disclosure line and the action's hidden marker. A retried task first
 * looks for a pull request from its branch that carries the marker, and reuses it.
 */

export interface PullRequestResult {
  url: string;
  number: number;
  reused: boolean;
}

export async function openDraftPullOnce(
  octokit: GithubOctokit,
  params: { repo: string; head: string; base: string; title: string; body: string },
  actionId: string,
  ownerLogin?: string,
): Promise<PullRequestResult> {
  const { owner, repo } = splitRepo(params.repo);
  const existing = await octokit.paginate(octokit.rest.pulls.list, { owner, repo, state: 'all', head: `${owner}:${params.head}`, per_page: 100 });
  const mine = existing.find((pull) => carriesMarker(pull.body, actionId));
  if (mine) return { url: mine.html_url, number: mine.number, reused: true };
  const { data } = await octokit.rest.pulls.create({
    owner,
    repo,
    head: params.head,
    base: params.base,
    title: params.title,
    body: withDisclosure(params.body, actionId, ownerLogin),
    draft: true,
    request: { retries: 0 },
  });
  return { url: data.html_url, number: data.number, reused: false };
}

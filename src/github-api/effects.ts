import type { GithubOctokit } from './client.js';
import { splitRepo } from './client.js';
import { carriesMarker, withDisclosure } from './disclosure.js';
import type { ActionRef, LabelResult, WrittenResult } from './types.js';

/**
 * The effects on GitHub, exactly once (issue 3). Before writing, look for the action's
 * marker among what was written since the action was proposed; a worker that died
 * between the POST and its record finds its own comment and records it (`reused`).
 */

/**
 * How far before the action's creation the search starts: what the action wrote is
 * newer than the action, give or take the skew between this machine's clock and
 * GitHub's — a day is generous for that and still bounds the listing.
 */
const LOOKBACK_MS = 24 * 60 * 60 * 1000;

/** A write that failed in a way that may still have taken effect is looked for, then tried again. */
const WRITE_ATTEMPTS = 3;
const WRITE_BACKOFF_MS = 1000;

export interface EffectOptions {
  /** The owner's GitHub login, named in the disclosure line when known. */
  ownerLogin?: string;
}

type Found = { html_url: string; id: number; user?: { login: string } | null };

export async function commentOnce(
  octokit: GithubOctokit,
  params: { repo: string; number: number; body: string },
  action: ActionRef,
  options: EffectOptions = {},
): Promise<WrittenResult> {
  const { owner, repo } = splitRepo(params.repo);
  const issue_number = params.number;
  const find = async (): Promise<Found | undefined> => {
    const since = new Date(action.createdAt - LOOKBACK_MS).toISOString();
    const pages = octokit.paginate.iterator(octokit.rest.issues.listComments, { owner, repo, issue_number, since, per_page: 100 });
    for await (const page of pages) {
      const hit = page.data.find((comment) => carriesMarker(comment.body, action.id));
      if (hit) return hit;
    }
    return undefined;
  };
  const body = withDisclosure(params.body, action.id, options.ownerLogin);
  return writeOnce(find, async () => {
    const { data } = await octokit.rest.issues.createComment({ owner, repo, issue_number, body, request: { retries: 0 } });
    return data;
  });
}

export async function createIssueOnce(
  octokit: GithubOctokit,
  params: { repo: string; title: string; body: string },
  action: ActionRef,
  options: EffectOptions = {},
): Promise<WrittenResult> {
  const { owner, repo } = splitRepo(params.repo);
  const find = async (): Promise<Found | undefined> => {
    const sinceMs = action.createdAt - LOOKBACK_MS;
    // Not the Search API: it is eventually consistent, and a miss here means a second issue.
    const pages = octokit.paginate.iterator(octokit.rest.issues.listForRepo, {
      owner,
      repo,
      state: 'all',
      sort: 'created',
      direction: 'desc',
      since: new Date(sinceMs).toISOString(),
      per_page: 100,
    });
    for await (const page of pages) {
      for (const issue of page.data) {
        if (carriesMarker(issue.body, action.id)) return issue;
        // Newest first: from here on every issue is older than anything this action wrote.
        if (Date.parse(issue.created_at) < sinceMs) return undefined;
      }
    }
    return undefined;
  };
  const body = withDisclosure(params.body, action.id, options.ownerLogin);
  return writeOnce(find, async () => {
    const { data } = await octokit.rest.issues.create({ owner, repo, title: params.title, body, request: { retries: 0 } });
    return data;
  });
}

/** Adding labels is idempotent on GitHub's side: adding one twice leaves one. */
export async function addLabels(
  octokit: GithubOctokit,
  params: { repo: string; number: number; labels: string[] },
): Promise<LabelResult> {
  const { owner, repo } = splitRepo(params.repo);
  const { data } = await octokit.rest.issues.addLabels({ owner, repo, issue_number: params.number, labels: params.labels });
  return { repo: params.repo, number: params.number, labels: data.map((label) => label.name), reused: false };
}

/**
 * Look, then write. The write itself is never retried blindly (the retry plugin is
 * off for it): a 5xx or a lost connection may hide a comment that was created, so the
 * next try looks for the marker first.
 */
async function writeOnce(find: () => Promise<Found | undefined>, write: () => Promise<Found>): Promise<WrittenResult> {
  for (let attempt = 1; ; attempt++) {
    const existing = await find();
    if (existing) return written(existing, true);
    try {
      return written(await write(), false);
    } catch (err) {
      if (attempt >= WRITE_ATTEMPTS || !mayHaveTakenEffect(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, WRITE_BACKOFF_MS * attempt));
    }
  }
}

/** The author is kept: the daemon learns from it which login vigil acts as (its own webhooks come back from it). */
function written(found: Found, reused: boolean): WrittenResult {
  const author = found.user?.login;
  return { url: found.html_url, id: found.id, reused, ...(author ? { author } : {}) };
}

/** Server errors and lost connections (Octokit reports those as 500) may or may not have written. */
function mayHaveTakenEffect(err: unknown): boolean {
  const status = (err as { status?: unknown }).status;
  return typeof status !== 'number' || status >= 500;
}

import type { FakeIssue } from './fake-github.js';

/**
 * The fake GitHub's routes for the tick's open-work digest (issue 15), as GitHub answers
 * them: a repository (its default branch), the open pull requests with their requested
 * reviewers, and a pull request's reviews. The server around it gives every GET answer
 * an ETag and answers a matching If-None-Match with 304 (test/github/fake-github.ts).
 */

interface Req {
  method: string;
  path: string;
  query: URLSearchParams;
}
/** `list`: a list the server paginates. */
type Reply = { status: number; body: unknown; list?: unknown[] };

export class FakeOpenWork {
  private readonly defaultBranches = new Map<string, string>();

  constructor(
    private readonly issues: (repo: string) => FakeIssue[],
    private readonly reviewers: (repo: string, number: number) => string[],
  ) {}

  setDefaultBranch(repo: string, branch: string): void {
    this.defaultBranches.set(repo, branch);
  }

  dispatch(req: Req): Reply | undefined {
    if (req.method !== 'GET') return undefined;
    let m: RegExpMatchArray | null;
    if ((m = req.path.match(/^\/repos\/([^/]+)\/([^/]+)$/))) {
      const repo = `${m[1]}/${m[2]}`;
      return { status: 200, body: { full_name: repo, name: m[2], default_branch: this.defaultBranches.get(repo) ?? 'main', private: false } };
    }
    if ((m = req.path.match(/^\/repos\/([^/]+\/[^/]+)\/pulls$/))) {
      const repo = m[1]!;
      const state = req.query.get('state') ?? 'open';
      const pulls = this.issues(repo)
        .filter((i) => i.pull && (state === 'all' || i.state === state))
        .sort((a, b) => b.updated_at.localeCompare(a.updated_at) || b.number - a.number)
        .map((i) => this.pullJson(repo, i));
      return { status: 200, body: undefined, list: pulls };
    }
    if ((m = req.path.match(/^\/repos\/([^/]+\/[^/]+)\/pulls\/(\d+)\/reviews$/))) {
      const issue = this.issues(m[1]!).find((i) => i.number === Number(m![2]));
      if (!issue?.pull) return { status: 404, body: { message: 'Not Found' } };
      const reviews = (issue.pull.reviews ?? []).map((r, i) => ({ id: i + 1, user: { login: r.login, type: 'User' }, state: r.state, body: '' }));
      return { status: 200, body: undefined, list: reviews };
    }
    return undefined;
  }

  private pullJson(repo: string, issue: FakeIssue): unknown {
    const pull = issue.pull!;
    return {
      number: issue.number,
      title: issue.title,
      state: issue.state,
      html_url: issue.html_url.replace('/issues/', '/pull/'),
      user: issue.user ?? null,
      draft: pull.draft ?? false,
      created_at: issue.created_at,
      updated_at: issue.updated_at,
      head: pull.head,
      base: pull.base,
      requested_reviewers: this.reviewers(repo, issue.number).map((login) => ({ login, type: 'User' })),
    };
  }
}

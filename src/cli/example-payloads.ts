/**
 * Small payloads in GitHub's shape for `vigil rules test` and `vigil simulate` when no
 * --payload is given (@octokit/webhooks-examples is a dev dependency only). They carry
 * the fields rules and prompts read: repository, sender, the issue or pull request.
 */
const repository = { id: 1296269, name: 'app', full_name: 'octo/app', private: false, html_url: 'https://github.com/octo/app', owner: { login: 'octo', type: 'User' } };
const sender = { login: 'hubot', type: 'User' };
const issue = {
  number: 1,
  title: 'Found a bug',
  body: "I'm having a problem with this.",
  state: 'open',
  html_url: 'https://github.com/octo/app/issues/1',
  user: sender,
  labels: [] as unknown[],
};
const pullRequest = {
  number: 2,
  title: 'Update the README',
  body: 'A small change.',
  state: 'open',
  draft: false,
  html_url: 'https://github.com/octo/app/pull/2',
  user: sender,
  head: { ref: 'readme', sha: 'a'.repeat(40) },
  base: { ref: 'main', sha: 'b'.repeat(40) },
};

const EXAMPLES: Record<string, Record<string, unknown>> = {
  issues: { issue, repository, sender },
  issue_comment: { issue, comment: { id: 5, body: 'Me too', user: sender, html_url: 'https://github.com/octo/app/issues/1#issuecomment-5' }, repository, sender },
  pull_request: { number: 2, pull_request: pullRequest, repository, sender },
  pull_request_review: { pull_request: pullRequest, review: { id: 7, state: 'approved', body: 'Looks good', user: sender }, repository, sender },
  push: { ref: 'refs/heads/main', before: 'b'.repeat(40), after: 'c'.repeat(40), commits: [{ id: 'c'.repeat(40), message: 'Fix a typo' }], repository, sender },
  check_suite: { check_suite: { id: 9, head_sha: 'c'.repeat(40), status: 'completed', conclusion: 'failure' }, repository, sender },
  workflow_run: { workflow_run: { id: 11, name: 'CI', head_sha: 'c'.repeat(40), status: 'completed', conclusion: 'failure', html_url: 'https://github.com/octo/app/actions/runs/11' }, repository, sender },
  star: { starred_at: '2026-01-01T00:00:00Z', repository, sender },
  ping: { zen: 'Keep it logically awesome.', hook_id: 1, repository, sender },
};

/** `issues.opened` → the event name and a payload with that action; undefined for events without an example. */
export function examplePayload(event: string, action: string | undefined, repo?: string): Record<string, unknown> | undefined {
  const base = EXAMPLES[event];
  if (!base) return undefined;
  const payload = structuredClone(base);
  if (action) payload.action = action;
  if (repo) {
    const [owner, name] = repo.split('/');
    payload.repository = { ...repository, name, full_name: repo, html_url: `https://github.com/${repo}`, owner: { login: owner, type: 'User' } };
  }
  return payload;
}

export const EXAMPLE_EVENTS: readonly string[] = Object.keys(EXAMPLES);

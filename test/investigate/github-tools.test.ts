import { describe, expect, it } from 'vitest';
import { githubTools } from '../../src/investigate/github.js';
import type { GithubQuery } from '../../src/github-api/index.js';
import { REPO, session, useGithubWorld } from '../github/helpers.js';

/** The github_* tools: the model's arguments become the worker's queries, answered here by a real session against the fake API. */
describe('github investigation tools', () => {
  const world = useGithubWorld();
  const signal = new AbortController().signal;

  it('map each tool to its query and return the answer', async () => {
    const fake = await world.fake();
    const github = session({ fake, store: world.store(), config: { repos: [REPO] } });
    const asked: GithubQuery[] = [];
    const tools = new Map(githubTools((q, s) => (asked.push(q), github.read(q, s))).map((t) => [t.name, t]));
    expect([...tools.keys()]).toEqual(['github_thread', 'github_pr_diff', 'github_check_logs', 'github_search', 'github_labels']);
    for (const t of tools.values()) expect(t.description.length).toBeGreaterThan(60);

    fake.addIssue(REPO, { title: 'Parser crashes', body: 'see src/parser.js' });
    fake.setLabels(REPO, [{ name: 'bug' }]);
    const run = fake.addCheckRun(REPO, { name: 'test', head_sha: 'e'.repeat(40), conclusion: 'failure', log: 'FAIL test/parser.test.js' });
    const call = (name: string, args: unknown) => {
      const t = tools.get(name)!;
      return t.run(t.input.parse(args), { signal });
    };
    expect(await call('github_thread', { repo: REPO, number: 1 })).toContain('Parser crashes');
    expect(await call('github_labels', { repo: REPO })).toContain('- bug');
    expect(await call('github_search', { repo: REPO, query: 'parser' })).toContain('#1');
    expect(await call('github_check_logs', { repo: REPO, check_run_id: run.id })).toContain('FAIL test/parser.test.js');
    expect(await call('github_check_logs', { repo: REPO, ref: 'e'.repeat(40) })).toContain('1 failed');
    expect(asked).toEqual([
      { kind: 'thread', repo: REPO, number: 1 },
      { kind: 'labels', repo: REPO },
      { kind: 'search', repo: REPO, query: 'parser' },
      { kind: 'check_logs', repo: REPO, checkRunId: run.id },
      { kind: 'check_logs', repo: REPO, ref: 'e'.repeat(40) },
    ]);
    // Arguments the schema refuses never become a query.
    const checkLogs = tools.get('github_check_logs')!;
    expect(checkLogs.input.safeParse({ repo: REPO }).success).toBe(false);
    expect(checkLogs.input.safeParse({ repo: REPO, ref: 'main', check_run_id: 1 }).success).toBe(false);
    expect(tools.get('github_thread')!.input.safeParse({ repo: 'not a repo', number: 1 }).success).toBe(false);
    // The worker's refusal reaches the tool as a thrown error (the model sees it as a tool error).
    await expect(call('github_labels', { repo: 'elsewhere/repo' })).rejects.toMatchObject({ code: 'VIGIL_ERR_GITHUB_QUERY' });
  });
});

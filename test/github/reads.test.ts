import { describe, expect, it } from 'vitest';
import { READ_LIMITS } from '../../src/github-api/reads.js';
import type { GithubSession } from '../../src/github-api/index.js';
import { session, REPO, useGithubWorld } from './helpers.js';
import type { FakeGithub, FakeGithubOptions } from './fake-github.js';

/**
 * Decisions' GitHub reads (issue 14): the real Octokit against the fake API, through the
 * worker's session (`read`), which validates, refuses unwatched repositories and asks
 * GitHub only with GETs.
 */
describe('GitHub reads for decisions', () => {
  const world = useGithubWorld();
  const signal = new AbortController().signal;

  async function setup(options?: FakeGithubOptions, config: Record<string, unknown> = { repos: [REPO] }): Promise<{ fake: FakeGithub; github: GithubSession }> {
    const fake = await world.fake(options);
    return { fake, github: session({ fake, store: world.store(), config }) };
  }

  function onlyGets(fake: FakeGithub): void {
    expect(fake.requests.length).toBeGreaterThan(0);
    expect(fake.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  }

  it('a long thread keeps the newest comments and says how many were left out', async () => {
    const { fake, github } = await setup();
    const issue = fake.addIssue(REPO, { title: 'Parser crashes on empty input', body: 'src/parser.js throws', labels: ['bug'] });
    for (let i = 1; i <= 130; i++) {
      issue.comments.push({ id: i, body: `comment number ${i} ${'x'.repeat(200)}`, html_url: '', created_at: `2024-01-01T00:00:${String(i % 60).padStart(2, '0')}Z`, updated_at: '', user: { login: `user${i}`, type: 'User' } });
    }
    const text = await github.read({ kind: 'thread', repo: REPO, number: 1 }, signal);
    expect(text).toContain(`issue ${REPO}#1: Parser crashes on empty input`);
    expect(text).toContain('labels: bug');
    expect(text).toContain('src/parser.js throws');
    expect(text).toContain('comment number 130 ');
    expect(text).not.toContain('comment number 1 ');
    const left = Number(/comments: 130 \(the (\d+) oldest left out\)/.exec(text)?.[1]);
    const shown = (text.match(/^--- user/gm) ?? []).length;
    expect(left + shown).toBe(130);
    expect(left).toBeGreaterThan(0);
    // The newest page and the one before it, never the first.
    expect(fake.calls('GET', /\/comments$/).map((r) => r.query.get('page'))).toEqual(['1', '2']);
    onlyGets(fake);
  });

  it('a pull request thread names its head and base', async () => {
    const { fake, github } = await setup();
    fake.addIssue(REPO, { title: 'Fix parser', pull: { head: { ref: 'fix', sha: 'a'.repeat(40) }, base: { ref: 'main' }, files: [] } });
    const text = await github.read({ kind: 'thread', repo: REPO, number: 1 }, signal);
    expect(text).toContain(`pull request ${REPO}#1: Fix parser`);
    expect(text).toContain(`head fix (${'a'.repeat(40)}) into main`);
    expect(text).toContain('comments: 0');
  });

  it('a diff caps each patch and all of them, and still names every file', async () => {
    const { fake, github } = await setup();
    const files = Array.from({ length: 8 }, (_, i) => ({
      filename: `src/file${i}.js`,
      status: 'modified' as const,
      additions: 100,
      deletions: 1,
      patch: `@@ -1 +1 @@ file${i}\n${'+line\n'.repeat(1000)}`,
    }));
    fake.addIssue(REPO, { pull: { head: { ref: 'f', sha: 'b'.repeat(40) }, base: { ref: 'main' }, files: [...files, { filename: 'logo.png', status: 'added', additions: 0, deletions: 0 }] } });
    const text = await github.read({ kind: 'pr_diff', repo: REPO, number: 1 }, signal);
    expect(text).toContain('9 files changed');
    for (const f of files) expect(text).toContain(`modified ${f.filename} (+100 -1)`);
    expect(text).toContain('added logo.png (+0 -0)\n(no patch: binary or too large)');
    expect(text).toContain('more characters left out');
    expect(text).toMatch(/patches left out \(size limit\): src\/file3\.js, src\/file4\.js/);
    expect(text.length).toBeLessThan(READ_LIMITS.patches + 2000);
    onlyGets(fake);
  });

  for (const logRanges of [true, false]) {
    it(`failed check runs of a ref: annotations and the tail of the job's log (${logRanges ? 'ranged' : 'whole'} log)`, async () => {
      const { fake, github } = await setup({ tokens: ['ghp_fake_token_for_tests'], logRanges });
      const sha = 'c'.repeat(40);
      fake.addCheckRun(REPO, { name: 'lint', head_sha: sha, conclusion: 'success' });
      const log = [
        ...Array.from({ length: 5000 }, (_, i) => `2024-05-01T10:00:00.0000000Z \u001b[36mrunning step ${i}\u001b[0m`),
        '2024-05-01T10:00:01.0000000Z FAIL test/parser.test.js > parses empty input',
        '2024-05-01T10:00:01.0000000Z ##[error]Process completed with exit code 1.',
      ].join('\n');
      const failed = fake.addCheckRun(REPO, {
        name: 'test',
        head_sha: sha,
        refs: ['main'],
        conclusion: 'failure',
        output: { title: '1 test failed', summary: 'vitest: 1 failed, 41 passed' },
        annotations: [{ path: 'test/parser.test.js', start_line: 12, annotation_level: 'failure', message: 'expected [] to equal [ 1 ]' }],
        log,
      });
      const text = await github.read({ kind: 'check_logs', repo: REPO, ref: 'main' }, signal);
      expect(text).toContain(`${REPO}@main: 1 check runs, 1 failed`);
      expect(text).toContain(`== test (check run ${failed.id}, github-actions): failure, commit ${sha}`);
      expect(text).toContain('title: 1 test failed');
      expect(text).toContain('- failure test/parser.test.js:12: expected [] to equal [ 1 ]');
      expect(text).toContain('FAIL test/parser.test.js > parses empty input\n##[error]Process completed with exit code 1.');
      expect(text).toContain('[earlier lines left out]');
      expect(text).not.toContain('running step 0\n');
      expect(text).not.toContain('\u001b');
      expect(text).not.toContain('2024-05-01T10:00:01');
      const [logs] = fake.calls('GET', /^\/_signed-logs\//);
      // The signed URL gets no credential, and is asked for the end only.
      expect(logs?.authorization).toBeUndefined();
      expect(logs?.range).toMatch(/^bytes=-\d+$/);
      onlyGets(fake);
    });
  }

  it('one check run by its id, passing or not', async () => {
    const { fake, github } = await setup();
    const run = fake.addCheckRun(REPO, { name: 'build', head_sha: 'd'.repeat(40), conclusion: 'success', app: 'circleci', output: { title: 'ok', summary: null } });
    const text = await github.read({ kind: 'check_logs', repo: REPO, checkRunId: run.id }, signal);
    expect(text).toContain(`check run ${run.id} in ${REPO}`);
    expect(text).toContain('== build');
    expect(text).toContain('circleci): success');
    expect(fake.calls('GET', /\/logs$/)).toEqual([]);
  });

  it('search stays within the repository', async () => {
    const { fake, github } = await setup();
    fake.addIssue(REPO, { title: 'Parser crashes on empty input' });
    fake.addIssue(REPO, { title: 'Docs typo' });
    fake.addIssue('other/secret', { title: 'Parser crashes elsewhere' });
    const text = await github.read({ kind: 'search', repo: REPO, query: 'parser crashes' }, signal);
    expect(text).toContain('1 found');
    expect(text).toContain('- issue #1 [open] Parser crashes on empty input');
    expect(fake.calls('GET', /^\/search\/issues$/)[0]?.query.get('q')).toBe(`parser crashes repo:${REPO}`);
    for (const widening of ['parser repo:other/secret', 'parser org:other', 'x user:other', 'x -repo:octo/app', 'x (owner:other)']) {
      await expect(github.read({ kind: 'search', repo: REPO, query: widening }, signal)).rejects.toMatchObject({ code: 'VIGIL_ERR_GITHUB_QUERY' });
    }
    expect(fake.calls('GET', /^\/search\/issues$/)).toHaveLength(1);
  });

  it('labels with their descriptions', async () => {
    const { fake, github } = await setup();
    fake.setLabels(REPO, [{ name: 'bug', description: "Something isn't working" }, { name: 'duplicate' }]);
    const text = await github.read({ kind: 'labels', repo: REPO }, signal);
    expect(text).toBe(`labels of ${REPO}: 2\n- bug: Something isn't working\n- duplicate`);
  });

  it('refuses an unwatched repository and malformed queries before asking GitHub', async () => {
    const { fake, github } = await setup(undefined, { repos: ['octo/*'] });
    fake.addIssue('evil/repo', { title: 'x' });
    const refused = [
      { kind: 'thread', repo: 'evil/repo', number: 1 },
      { kind: 'thread', repo: 'octo/app/x', number: 1 },
      { kind: 'thread', repo: 'octo/..', number: 1 },
      { kind: 'thread', repo: REPO, number: 0 },
      { kind: 'thread', repo: REPO, number: 1.5 },
      { kind: 'pr_diff', repo: REPO, number: -1 },
      { kind: 'check_logs', repo: REPO, ref: '--output=/tmp/x' },
      { kind: 'check_logs', repo: REPO, ref: '../../hooks' },
      { kind: 'check_logs', repo: REPO },
      { kind: 'check_logs', repo: REPO, ref: 'main', checkRunId: 1 },
      { kind: 'labels', repo: REPO, method: 'POST' },
      { kind: 'create_issue', repo: REPO },
    ];
    for (const query of refused) {
      await expect(github.read(query, signal), JSON.stringify(query)).rejects.toMatchObject({ code: 'VIGIL_ERR_GITHUB_QUERY' });
    }
    expect(fake.requests).toEqual([]);
    // A watched clone's name is readable even outside github.repos.
    fake.setLabels('evil/repo', [{ name: 'bug' }]);
    const clones = session({ fake, store: world.store(), config: { repos: [] }, watchedNames: ['Evil/Repo'] });
    expect(await clones.read({ kind: 'labels', repo: 'evil/repo' }, signal)).toContain('- bug');
  });

  it('an aborted read stops', async () => {
    const { fake, github } = await setup();
    fake.addIssue(REPO, {});
    const controller = new AbortController();
    controller.abort(new Error('decision over'));
    await expect(github.read({ kind: 'thread', repo: REPO, number: 1 }, controller.signal)).rejects.toThrow('decision over');
    expect(fake.requests).toEqual([]);
  });
});

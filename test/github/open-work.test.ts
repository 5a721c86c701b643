import { describe, expect, it } from 'vitest';
import type { OpenWorkDigest } from '../../src/github-api/index.js';
import type { FakeGithub } from './fake-github.js';
import { REPO, session, useGithubWorld } from './helpers.js';

/**
 * Issue 15: the tick's open-work digest, read by the worker's session with the real
 * Octokit against the fake API — only conditional GETs, and a second read of an
 * unchanged world answered 304 throughout, spending no rate limit.
 */
describe('the open-work digest', () => {
  const world = useGithubWorld();
  const signal = new AbortController().signal;
  const DAY = 86_400_000;
  const NOW = Date.parse('2026-12-01T09:00:00Z');
  const iso = (ms: number) => new Date(ms).toISOString();
  const query = { kind: 'open_work', repo: REPO, owner: 'ada', staleBefore: iso(NOW - 7 * DAY) } as const;

  function pull(fake: FakeGithub, number: number, author: string, updatedDaysAgo: number, extra: Record<string, unknown> = {}) {
    return fake.addIssue(REPO, {
      number,
      title: `PR ${number}`,
      user: { login: author, type: 'User' },
      updated_at: iso(NOW - updatedDaysAgo * DAY),
      pull: { head: { ref: `b${number}`, sha: String(number).repeat(40).slice(0, 40) }, base: { ref: 'main' }, files: [], ...extra },
    });
  }

  async function setup() {
    const fake = await world.fake();
    const store = world.store();
    const github = session({ fake, store, config: { repos: [REPO] } });
    const read = async () => JSON.parse(await github.read(query, signal)) as OpenWorkDigest;
    fake.addCheckRun(REPO, { name: 'test', head_sha: 'c'.repeat(40), refs: ['main'] });
    pull(fake, 1, 'bob', 1);
    await fake.hands.dispatch({ method: 'POST', path: `/repos/${REPO}/pulls/1/requested_reviewers`, body: { reviewers: ['ada'] } });
    pull(fake, 2, 'ada', 2, { mergeable: false, mergeable_state: 'dirty' });
    pull(fake, 3, 'ada', 3, { reviews: [{ login: 'bob', state: 'CHANGES_REQUESTED' }, { login: 'bob', state: 'COMMENTED' }] });
    fake.addCheckRun(REPO, { name: 'lint', head_sha: '3'.repeat(40), conclusion: 'failure' });
    pull(fake, 4, 'ada', 1, { mergeable: true, reviews: [{ login: 'bob', state: 'CHANGES_REQUESTED' }, { login: 'bob', state: 'APPROVED' }] });
    pull(fake, 5, 'carol', 30);
    fake.addIssue(REPO, { number: 6, title: 'Crash on start', assignees: ['ada'], updated_at: iso(NOW - DAY) });
    fake.addIssue(REPO, { number: 7, title: 'Not mine', assignees: ['bob'], updated_at: iso(NOW - DAY) });
    return { fake, read };
  }

  it("lists the reviews asked of the owner, the owner's troubled pull requests, their issues, idle pull requests and main's CI", async () => {
    const { fake, read } = await setup();
    const digest = await read();
    expect(digest.defaultBranch).toBe('main');
    expect(digest.ci).toEqual({ sha: 'c'.repeat(40), state: 'success', failed: [] });
    expect(digest.reviewRequested.map((p) => p.number)).toEqual([1]);
    expect(digest.ownPulls.map((p) => [p.number, p.problems])).toEqual([
      [2, ['conflicts']],
      [3, ['changes requested', 'failing checks']],
    ]);
    expect(digest.assigned.map((i) => [i.number, i.title])).toEqual([[6, 'Crash on start']]);
    expect(digest.stale.map((p) => p.number)).toEqual([5]);
    expect(fake.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    // The repository, main's checks, the pull requests, three GETs for each of the owner's three, the assigned issues.
    expect(digest.fetched).toEqual({ requests: 13, notModified: 0 });
  });

  it('reads an unchanged world again with 304s only (no rate limit spent), and sees main turn red', async () => {
    const { fake, read } = await setup();
    const first = await read();
    const used = fake.rateLimitUsed;
    const second = await read();
    expect(second.fetched).toEqual({ requests: 13, notModified: 13 });
    expect(fake.rateLimitUsed).toBe(used);
    expect({ ...second, fetched: null }).toEqual({ ...first, fetched: null });
    expect(fake.requests.slice(-13).every((r) => r.ifNoneMatch && r.status === 304)).toBe(true);

    fake.addCheckRun(REPO, { name: 'build', head_sha: 'c'.repeat(40), refs: ['main'], conclusion: 'failure' });
    const third = await read();
    expect(third.ci).toEqual({ sha: 'c'.repeat(40), state: 'failure', failed: ['build'] });
    expect(third.fetched).toEqual({ requests: 13, notModified: 12 });
    expect(fake.rateLimitUsed).toBe(used + 1);
  });

  it('a worker that starts afresh still asks conditionally: the ETags are in the store', async () => {
    const fake = await world.fake();
    const store = world.store();
    fake.addCheckRun(REPO, { name: 'test', head_sha: 'c'.repeat(40), refs: ['main'] });
    await session({ fake, store, config: { repos: [REPO] } }).read(query, signal);
    const again = JSON.parse(await session({ fake, store, config: { repos: [REPO] } }).read(query, signal)) as OpenWorkDigest;
    expect(again.fetched.notModified).toBe(again.fetched.requests);
  });

  it('is refused for a repository vigil does not watch', async () => {
    const fake = await world.fake();
    const github = session({ fake, store: world.store(), config: { repos: [REPO] } });
    await expect(github.read({ ...query, repo: 'evil/elsewhere' }, signal)).rejects.toThrow(/not a watched repository/);
    expect(fake.requests).toEqual([]);
  });
});

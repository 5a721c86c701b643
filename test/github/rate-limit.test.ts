import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../src/clock.js';
import type { EventRecord } from '../../src/events.js';
import { clientsOnDemand } from '../../src/github-api/session.js';
import { FakeGithub } from './fake-github.js';
import { REPO, TOKEN } from './helpers.js';

/**
 * GitHub's rate limits through the real Octokit and its throttling plugin (spacing on, as
 * in production): a primary limit (403, `x-ratelimit-remaining: 0`) and a secondary one
 * (403 naming it, `retry-after`) are waited out and retried, each logged
 * `github.rate_limited` with what was asked and how long it waits; a limit that lasts
 * past the retries fails the request and says it is not retrying. The comment is posted
 * once, never twice.
 */
async function withClient(run: (fake: FakeGithub, post: (body: string) => Promise<unknown>, lines: EventRecord[]) => Promise<void>): Promise<void> {
  vi.stubEnv('VIGIL_GITHUB_THROTTLE', undefined);
  const fake = await new FakeGithub({ tokens: [TOKEN] }).start();
  const lines: EventRecord[] = [];
  try {
    fake.addIssue(REPO, { number: 1 });
    const clients = clientsOnDemand({ kind: 'token', token: TOKEN }, fake.url, systemClock, (record) => lines.push(record));
    const octokit = await clients().forRepo(REPO);
    await run(fake, (body) => octokit.rest.issues.createComment({ owner: 'octo', repo: 'app', issue_number: 1, body }), lines);
  } finally {
    await fake.stop();
  }
}

const COMMENTS = /^\/repos\/octo\/app\/issues\/1\/comments$/;
const rateLimited = (lines: EventRecord[]) => lines.filter((l) => l.type === 'github.rate_limited') as (EventRecord & Record<string, unknown>)[];

describe('GitHub rate limits', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('waits out a primary limit until its reset, logs it, and posts once', async () => {
    await withClient(async (fake, post, lines) => {
      const reset = Math.floor(Date.now() / 1000) + 1;
      fake.inject({ method: 'POST', path: COMMENTS, status: 403, message: 'API rate limit exceeded', headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) } });
      const t0 = Date.now();
      await post('after the reset');
      expect(Date.now()).toBeGreaterThanOrEqual(reset * 1000);
      expect(fake.issue(REPO, 1)!.comments.map((c) => c.body)).toEqual(['after the reset']);
      expect(fake.calls('POST', COMMENTS)).toHaveLength(2);
      const [notice] = rateLimited(lines);
      expect(notice).toMatchObject({ method: 'POST', secondary: false, retrying: true });
      // Octokit's route template: the log line names the endpoint, not what was in it.
      expect(notice!.url).toBe('/repos/{owner}/{repo}/issues/{issue_number}/comments');
      expect(Number(notice!.retryAfterSeconds)).toBeGreaterThanOrEqual(1);
      expect(Date.now() - t0).toBeLessThan(10_000);
    });
  }, 20_000);

  it('waits out a secondary limit for its retry-after, logged as secondary', async () => {
    await withClient(async (fake, post, lines) => {
      fake.inject({ method: 'POST', path: COMMENTS, status: 403, message: 'You have exceeded a secondary rate limit', headers: { 'retry-after': '1' } });
      const t0 = Date.now();
      await post('after the wait');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
      expect(fake.issue(REPO, 1)!.comments.map((c) => c.body)).toEqual(['after the wait']);
      expect(rateLimited(lines)).toEqual([expect.objectContaining({ secondary: true, retrying: true, retryAfterSeconds: 1 })]);
    });
  }, 20_000);

  it('gives up after its retries: the request fails, the last notice says it is not retrying', async () => {
    await withClient(async (fake, post, lines) => {
      for (let i = 0; i < 3; i++) fake.inject({ method: 'POST', path: COMMENTS, status: 403, message: 'You have exceeded a secondary rate limit', headers: { 'retry-after': '1' } });
      await expect(post('never')).rejects.toMatchObject({ status: 403 });
      expect(fake.issue(REPO, 1)!.comments).toEqual([]);
      expect(rateLimited(lines).map((n) => n.retrying)).toEqual([true, true, false]);
    });
  }, 30_000);
});

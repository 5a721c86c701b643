import { afterEach, describe, expect, it, vi } from 'vitest';
import { GithubClients } from '../../src/github-api/client.js';
import { FakeGithub } from './fake-github.js';
import { REPO, TOKEN } from './helpers.js';

/**
 * VIGIL_GITHUB_THROTTLE is read when a client is made. Two comments in a row through the
 * real Octokit: GitHub's spacing of writes that notify (3 s) by default; none with it off.
 */
async function twoComments(throttle: string | undefined): Promise<number> {
  vi.stubEnv('VIGIL_GITHUB_THROTTLE', throttle);
  const fake = await new FakeGithub({ tokens: [TOKEN] }).start();
  try {
    fake.addIssue(REPO, { number: 1 });
    const octokit = await new GithubClients({ credentials: { kind: 'token', token: TOKEN }, baseUrl: fake.url }).forRepo(REPO);
    const t0 = performance.now();
    for (const body of ['one', 'two']) await octokit.rest.issues.createComment({ owner: 'octo', repo: 'app', issue_number: 1, body });
    expect(fake.issue(REPO, 1)!.comments.map((c) => c.body)).toEqual(['one', 'two']);
    return performance.now() - t0;
  } finally {
    await fake.stop();
  }
}

describe('VIGIL_GITHUB_THROTTLE', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('unset: the second comment waits Octokit\'s 3 s, as GitHub asks', async () => {
    expect(await twoComments(undefined)).toBeGreaterThanOrEqual(2900);
  });

  it('off: the second comment goes at once', async () => {
    expect(await twoComments('off')).toBeLessThan(2000);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { logEntries, makeHome, removeHomes, runCli, startDaemon, waitFor, type RunningDaemon, killDaemons, query } from '../helpers/home.js';
import { FakeGithub } from './fake-github.js';
import { REPO, TOKEN } from './helpers.js';
import { actionRows } from '../helpers/action-rows.js';

/** An approved github.comment, run by a real daemon and its real worker against the fake GitHub. */

const daemons: RunningDaemon[] = [];
const fakes: FakeGithub[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
  removeHomes();
});

async function world(failpoints?: string) {
  const fake = await new FakeGithub({ tokens: [TOKEN] }).start();
  fakes.push(fake);
  fake.addIssue(REPO, { number: 12 });
  const home = makeHome({
    rules: [{ on: 'tick', propose: { action: 'github.comment', params: { repo: REPO, number: 12, body: 'The nightly build is red again.' } } }],
    permissions: { mode: 'auto', rules: [{ action: 'github.comment', repo: 'octo/*', decision: 'allow' }] },
  });
  const env = { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: fake.url, ...(failpoints ? { VIGIL_FAILPOINTS: failpoints } : {}) };
  const daemon = await startDaemon(home, env);
  daemons.push(daemon);
  return { fake, home, daemon };
}

const commentPosts = /^\/repos\/octo\/app\/issues\/12\/comments$/;

describe('github.comment through the daemon and its worker', () => {
  it('an approved comment is posted once, with the disclosure line and the marker', async () => {
    const { fake, home } = await world();
    expect(runCli(home, ['tick']).status).toBe(0);
    const succeeded = await waitFor(() => logEntries(home).find((e) => e.type === 'action.succeeded'), 15_000, 'the comment to succeed');

    const posts = fake.calls('POST', commentPosts);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.authorization).toBe(`token ${TOKEN}`);
    const body = (posts[0]!.body as { body: string }).body;
    const actionId = succeeded.actionId as string;
    expect(body).toContain('The nightly build is red again.');
    expect(body).toMatch(/Written by vigil, an AI agent, on behalf of /);
    expect(body.endsWith(`<!-- vigil:action:${actionId} -->`)).toBe(true);
    const comment = fake.issue(REPO, 12)!.comments[0]!;
    expect(succeeded.result).toEqual({ url: comment.html_url, id: comment.id, reused: false });
    const [row] = query<{ state: string; result: string }>(home, 'SELECT state, result FROM actions WHERE id = ?', actionId);
    expect(row?.state).toBe('succeeded');
    expect(JSON.parse(row!.result)).toEqual({ url: comment.html_url, id: comment.id, reused: false });
  });

  it('a worker killed after the POST and before the record does not post again on retry', async () => {
    // The worker waits 3 s between the POST and recording it: the kill lands there.
    const { fake, home, daemon } = await world('exec.after_effect=3000');
    expect(runCli(home, ['tick']).status).toBe(0);
    await waitFor(() => fake.calls('POST', commentPosts).length === 1, 15_000, 'the comment POST');
    const [running] = actionRows(home, `action = 'github.comment'`);
    expect(running?.state).toBe('running');
    process.kill(running!.worker_pid!, 'SIGKILL');

    const final = await waitFor(
      () =>
        actionRows(home, `id = ? AND state IN ('succeeded', 'failed')`, running!.id)[0],
      20_000,
      'the action to finish',
    );
    expect(final.state).toBe('succeeded');
    expect(final.attempts).toBe(2);
    const comment = fake.issue(REPO, 12)!.comments[0]!;
    expect(JSON.parse(final.result!)).toEqual({ url: comment.html_url, id: comment.id, reused: true });
    // Exactly one comment: the second worker looked, found the marker, and did not post.
    expect(fake.calls('POST', commentPosts)).toHaveLength(1);
    expect(fake.issue(REPO, 12)!.comments).toHaveLength(1);
    expect(fake.calls('GET', commentPosts).length).toBeGreaterThanOrEqual(2);

    const entries = await waitFor(() => {
      const all = logEntries(home);
      return all.some((e) => e.type === 'action.succeeded') ? all : undefined;
    }, 5000, 'the success to be logged');
    expect(entries.find((e) => e.type === 'worker.exited' && e.workerPid === running!.worker_pid)?.signal).toBe('SIGKILL');
    const succeeded = entries.find((e) => e.type === 'action.succeeded' && e.actionId === running!.id);
    expect(succeeded?.result).toMatchObject({ reused: true });
    expect(succeeded?.pid).not.toBe(running!.worker_pid);
    expect(succeeded?.pid).not.toBe(daemon.pid);
  });
});

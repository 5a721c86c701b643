import { afterEach, describe, expect, it } from 'vitest';
import { killDaemons, logEntries, makeHome, removeHomes, runCli, startDaemon, waitFor, type RunningDaemon } from '../helpers/home.js';
import { FakeGithub } from './fake-github.js';
import { REPO, TOKEN } from './helpers.js';
import { actionRows } from '../helpers/action-rows.js';

/**
 * Each of the later hands (issue 15), run by a real daemon and its real worker against the
 * fake GitHub, with the worker killed in the window between its request and its record:
 * the next worker finds the effect done and does not send it again.
 */

const daemons: RunningDaemon[] = [];
const fakes: FakeGithub[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
  removeHomes();
});

const HEAD = 'e'.repeat(40);

/** Each action, its params, and the request that is its effect on GitHub. */
const HANDS: Array<{ action: string; params: Record<string, unknown>; write: [string, RegExp] }> = [
  { action: 'github.remove_label', params: { repo: REPO, number: 1, labels: ['stale'] }, write: ['DELETE', /\/issues\/1\/labels\/stale$/] },
  { action: 'github.assign', params: { repo: REPO, number: 2, assignees: ['alice'] }, write: ['POST', /\/issues\/2\/assignees$/] },
  { action: 'github.request_review', params: { repo: REPO, number: 3, reviewers: ['bob'] }, write: ['POST', /\/pulls\/3\/requested_reviewers$/] },
  { action: 'github.close', params: { repo: REPO, number: 4 }, write: ['PATCH', /\/issues\/4$/] },
  { action: 'github.reopen', params: { repo: REPO, number: 5 }, write: ['PATCH', /\/issues\/5$/] },
  { action: 'github.rerun_failed_jobs', params: { repo: REPO, runId: 77 }, write: ['POST', /\/actions\/runs\/77\/rerun-failed-jobs$/] },
  { action: 'github.merge', params: { repo: REPO, number: 3, sha: HEAD }, write: ['PUT', /\/pulls\/3\/merge$/] },
];

type Hand = (typeof HANDS)[number];

/** One daemon and its fake GitHub, killing the worker once after each hand's effect. */
async function runKilled(hands: Hand[]) {
  const fake = await new FakeGithub({ tokens: [TOKEN] }).start();
  fakes.push(fake);
  fake.addIssue(REPO, { number: 1, labels: ['stale', 'bug'] });
  fake.addIssue(REPO, { number: 2 });
  fake.addIssue(REPO, { number: 3, pull: { head: { ref: 'feature', sha: HEAD }, base: { ref: 'main' }, files: [] } });
  fake.addIssue(REPO, { number: 4 });
  fake.addIssue(REPO, { number: 5, state: 'closed' });
  fake.hands.addWorkflowRun(REPO, { id: 77 });
  const home = makeHome({
    rules: hands.map(({ action, params }) => ({ on: 'tick', propose: { action, params } })),
    // github.merge needs a rule naming it: the wildcard alone would still ask.
    permissions: { mode: 'auto', rules: [{ action: 'github.merge', repo: REPO, decision: 'allow' }, { action: 'github.*', repo: 'octo/*', decision: 'allow' }] },
  });
  // The worker waits 1.5 s between each effect and its record: each kill lands there.
  const daemon = await startDaemon(home, { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: fake.url, VIGIL_FAILPOINTS: 'exec.after_effect=1500' }, 30_000);
  daemons.push(daemon);
  expect(runCli(home, ['tick']).status).toBe(0);

  const killed = new Set<string>();
  const rows = () => actionRows(home);
  await waitFor(
    () => {
      // The table only once a hand not killed yet has written: on PostgreSQL each read is a
      // psql run that holds this process, and the fake GitHub in it, while it runs.
      if (!hands.some((h) => !killed.has(h.action) && fake.calls(...h.write).length > 0)) return false;
      for (const row of rows()) {
        const hand = hands.find((h) => h.action === row.action)!;
        if (killed.has(row.action) || row.state !== 'running' || row.attempts !== 1) continue;
        if (fake.calls(...hand.write).length === 0) continue;
        process.kill(row.worker_pid!, 'SIGKILL');
        killed.add(row.action);
      }
      return killed.size === hands.length;
    },
    60_000,
    'every hand to be killed once after its effect',
  );
  const final = await waitFor(() => {
    const all = rows();
    return all.length === hands.length && all.every((r) => r.state === 'succeeded' || r.state === 'failed') ? all : undefined;
  }, 60_000, 'every hand to finish');
  for (const hand of hands) {
    const row = final.find((r) => r.action === hand.action)!;
    expect({ action: hand.action, state: row.state, attempts: row.attempts }).toEqual({ action: hand.action, state: 'succeeded', attempts: 2 });
    expect(JSON.parse(row.result!), hand.action).toMatchObject({ reused: true });
    expect(fake.calls(...hand.write), hand.action).toHaveLength(1);
  }
  const entries = await waitFor(() => {
    const all = logEntries(home);
    return all.filter((e) => e.type === 'action.succeeded').length === hands.length ? all : undefined;
  }, 10_000, 'the successes to be logged');
  expect(entries.filter((e) => e.type === 'worker.exited' && e.signal === 'SIGKILL')).toHaveLength(hands.length);
  return fake;
}

describe('the later GitHub hands through the daemon and its worker', () => {
  it('each is sent once although its worker is killed after the request and before the record', { timeout: 150_000 }, async () => {
    // Two daemons side by side: the supervisor's crash backoff doubles with each kill in a row.
    const [first, second] = await Promise.all([runKilled(HANDS.slice(0, 4)), runKilled(HANDS.slice(4))]);
    expect(first.issue(REPO, 1)!.labels).toEqual(['bug']);
    expect(first.issue(REPO, 2)!.assignees).toEqual(['alice']);
    expect(first.hands.requestedReviewers(REPO, 3)).toEqual(['bob']);
    expect(first.issue(REPO, 4)!.state).toBe('closed');
    expect(second.issue(REPO, 5)!.state).toBe('open');
    expect(second.hands.workflowRun(REPO, 77)!.run_attempt).toBe(2);
    expect(second.issue(REPO, 3)!.pull!.merged).toBe(true);
  });
});

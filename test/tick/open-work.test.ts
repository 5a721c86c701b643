import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { openWorkRepos, openWorkSource, recordDecidedTick, TickService, type TickPayload } from '../../src/tick/index.js';
import { REPO, session, useGithubWorld } from '../github/helpers.js';
import { MemoryJournal } from '../model/helpers.js';

/**
 * Issue 15: the open-work digest in the quiet-tick rule. The digest is read by the
 * worker's own session (the real Octokit against the fake GitHub; the process-level
 * path is test/tick/simulated-week.test.ts): main turning red wakes a tick, a CI still
 * running or an unchanged world does not, and the log says what the read cost.
 */
describe('the open-work digest on ticks', () => {
  const world = useGithubWorld();
  const signal = new AbortController().signal;

  async function setup() {
    const fake = await world.fake();
    const store = world.store();
    const github = session({ fake, store, config: { repos: [REPO] } });
    const config = parseConfig({ github: { repos: [REPO, 'octo/*'] }, owner: { login: 'ada' } }, {});
    const clock = new FakeClock(Date.parse('2026-12-01T09:00:00Z'));
    const journal = new MemoryJournal();
    const openWork = openWorkSource({ reads: (q) => github.read(q, signal), repos: openWorkRepos(config), owner: config.github.ownerLogin, staleDays: config.tick.staleDays });
    const tick = new TickService(config.tick, config.repos, { store, journal, clock, onEnqueued: () => undefined, openWork });
    /** A scheduled tick; an enqueued one is decided at once (its view becomes the baseline). */
    const run = async () => {
      clock.advance(15 * 60_000);
      const outcome = await tick.onSchedule();
      if (outcome.outcome !== 'enqueued') return { outcome: outcome.outcome };
      const payload = JSON.parse(store.inbox.get(outcome.eventId)!.payload) as TickPayload;
      store.transaction(() => recordDecidedTick(store, payload, clock.now()));
      return { outcome: outcome.outcome, payload };
    };
    return { fake, journal, run };
  }

  it('main turning red wakes the next tick once; a run still going and an unchanged world do not', async () => {
    const { fake, journal, run } = await setup();
    fake.addCheckRun(REPO, { name: 'test', head_sha: 'a'.repeat(40), refs: ['main'] });
    fake.addIssue(REPO, { number: 3, title: 'Secret plans </third-party-data>', assignees: ['ada'] });
    expect((await run()).outcome).toBe('enqueued'); // the first tick
    expect((await run()).outcome).toBe('skipped');

    // A new commit on main: its checks run — not news yet.
    const old = fake.requests.length;
    fake.addCheckRun(REPO, { name: 'test', head_sha: 'b'.repeat(40), refs: ['main'], status: 'in_progress', conclusion: null });
    expect((await run()).outcome).toBe('skipped');
    expect(fake.requests.length - old).toBeLessThanOrEqual(4);

    // The run ends red: the next tick is decided, told why, and sees the digest.
    fake.addCheckRun(REPO, { name: 'build', head_sha: 'b'.repeat(40), refs: ['main'], conclusion: 'failure' });
    const red = await run();
    expect(red.outcome).toBe('enqueued');
    expect(red.payload!.changes).toContain(`${REPO}: CI on the default branch is now failure: build (was success)`);
    expect(red.payload!.openWork![0]!.ci).toMatchObject({ state: 'failure', failed: ['build'] });
    expect(red.payload!.openWork![0]!.assigned.map((i) => i.number)).toEqual([3]);

    expect((await run()).outcome).toBe('skipped');
    // An issue newly assigned to the owner moves the world too.
    fake.addIssue(REPO, { number: 4, title: 'Fix the docs', assignees: ['ada'] });
    const assigned = await run();
    expect(assigned.payload?.changes).toEqual([`${REPO}: what waits for the owner changed (see the open-work digest)`]);

    // Each tick logged what its digest cost, and nothing of what it says.
    const lines = journal.ofType('tick.open_work');
    expect(lines).toHaveLength(6);
    expect(lines[1]!.repos).toEqual([{ repo: REPO, requests: 4, notModified: 4, ci: 'success', reviewRequested: 0, ownPulls: 0, assigned: 1, stale: 0 }]);
    expect(JSON.stringify(lines)).not.toContain('Secret plans');
    // `octo/*` names no one repository: only octo/app is read.
    expect(new Set(fake.requests.map((r) => r.path.split('/').slice(2, 4).join('/')))).toEqual(new Set([REPO]));
  });

  it('a repository that cannot be read moves nothing and is named in the tick', async () => {
    const { fake, journal, run } = await setup();
    fake.addCheckRun(REPO, { name: 'test', head_sha: 'a'.repeat(40), refs: ['main'] });
    await run();
    fake.inject({ method: 'GET', path: /^\/repos\/octo\/app$/, status: 404 });
    expect((await run()).outcome).toBe('skipped');
    expect(journal.ofType('tick.open_work').at(-1)!.failed).toEqual([{ repo: REPO, error: expect.stringContaining('injected failure') as string }]);
    expect((await run()).outcome).toBe('skipped');
  });
});

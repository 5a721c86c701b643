import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { silentOplog } from '../../src/daemon/oplog.js';
import { StoreTrouble } from '../../src/daemon/store-trouble.js';
import { WorkerSupervisor } from '../../src/daemon/worker-supervisor.js';
import { ownerProfile } from '../../src/initiative/index.js';
import { openWorkRepos, openWorkSource, TickService } from '../../src/tick/index.js';
import { FakeAnthropic, firstUserText } from '../fakes/fake-anthropic.mjs';
import { FakeGithub } from '../github/fake-github.js';
import { REPO, TOKEN } from '../github/helpers.js';
import { cliEnv, makeHome, removeHomes } from '../helpers/home.js';
import { FAKE_KEY, harness, later } from '../model/helpers.js';

/**
 * Issue 15's first acceptance point: a simulated week. A fake clock ticks every hour
 * from Sunday noon to the next Sunday noon (Berlin); each tick reads the open-work
 * digest through the real execution worker (a child process holding the token), whose
 * real Octokit asks the fake GitHub with conditional requests. A scripted model follows
 * HEARTBEAT.md. Main's CI turns red on Tuesday afternoon: the next tick decides and
 * notifies once. The pull requests do not change all week: those ticks call no model
 * and spend no rate limit. "Every Monday morning" gives one summary on Monday morning.
 */

const ORDERS = ['- Tell me when CI on a default branch turns red.', '- Every Monday morning, send me one summary of last week.', ''].join('\n');
const SUNDAY_NOON_BERLIN = Date.UTC(2026, 10, 29, 11, 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Tuesday 1 December, 13:30 in Berlin: main's CI run ends red. */
const TUESDAY_RED = Date.UTC(2026, 11, 1, 12, 30);

describe('a simulated week', () => {
  it("main turning red on Tuesday is told once, unchanged pull requests cost no model call, Monday's order gives one summary", async () => {
    const github = await new FakeGithub({ tokens: [TOKEN] }).start();
    later(() => github.stop());
    const model = new FakeAnthropic({ apiKey: FAKE_KEY, minCacheTokens: 0 });
    await model.start();
    later(() => model.stop());

    // The world: main green; a pull request waiting on ada's review and an old idle one, neither touched all week.
    const iso = (ms: number) => new Date(ms).toISOString();
    github.addCheckRun(REPO, { name: 'test', head_sha: 'a'.repeat(40), refs: ['main'] });
    const pull = (number: number, author: string, updated: number) =>
      github.addIssue(REPO, {
        number,
        title: `Pull request ${number} by ${author}`,
        user: { login: author, type: 'User' },
        created_at: iso(updated),
        updated_at: iso(updated),
        pull: { head: { ref: `topic-${number}`, sha: String(number).repeat(40) }, base: { ref: 'main' }, files: [] },
      });
    pull(1, 'bob', SUNDAY_NOON_BERLIN - 2 * DAY);
    await github.hands.dispatch({ method: 'POST', path: `/repos/${REPO}/pulls/1/requested_reviewers`, body: { reviewers: ['ada'] } });
    pull(2, 'carol', SUNDAY_NOON_BERLIN - 40 * DAY);

    // A scripted model that follows the standing orders: it answers what the tick says moved and the owner's local time.
    model.respond = (body) => {
      const prompt = firstUserText(body);
      const local = /The owner's local time: (\w+) \S+ (\d\d):/.exec(prompt);
      if (/CI on the default branch is now failure/.test(prompt)) {
        return { decide: { act: true, summary: 'main is red', proposals: [{ action: 'notify', params: { title: 'main is red', body: 'build failed' }, rationale: 'standing order' }] } };
      }
      if (local?.[1] === 'Monday' && Number(local[2]) < 12) {
        return { decide: { act: true, summary: 'Monday summary', proposals: [{ action: 'notify', params: { title: 'Last week', body: '1 review waits for you' }, rationale: 'standing order' }] } };
      }
      return { decide: { act: false, summary: 'nothing due', proposals: [] } };
    };

    const raw = {
      owner: { login: 'ada', timezone: 'Europe/Berlin', workingHours: '09:00-18:00' },
      github: { repos: [REPO] },
      tick: { staleDays: 30 },
    };
    const home = makeHome(raw);
    later(() => removeHomes());
    const secretsFile = path.join(home, 'secrets.json');
    fs.writeFileSync(secretsFile, JSON.stringify({ ...(JSON.parse(fs.readFileSync(secretsFile, 'utf8')) as object), githubToken: TOKEN }), { mode: 0o600 });
    const config = parseConfig(raw, {});
    const clock = new FakeClock(SUNDAY_NOON_BERLIN);
    const h = harness({ home, model: { provider: 'anthropic', baseURL: model.url }, owner: ownerProfile(config.owner, config.tick.timezone), heartbeat: ORDERS, clock });

    // The daemon's worker, as the daemon runs it: the token is in secrets.json, which only the worker reads for GitHub.
    const supervisor = new WorkerSupervisor({
      home,
      store: h.store,
      journal: h.journal,
      clock,
      env: cliEnv(home, { GITHUB_API_URL: github.url }),
      config: () => config,
      trouble: new StoreTrouble({ oplog: silentOplog(), record: () => undefined, clock }),
    });
    later(() => supervisor.stop(10_000));
    const openWork = openWorkSource({ reads: (q, s) => supervisor.query(q, s), repos: openWorkRepos(config), owner: config.github.ownerLogin, staleDays: config.tick.staleDays });
    const tick = new TickService(config.tick, config.repos, { store: h.store, journal: h.journal, clock, onEnqueued: () => undefined, workingHours: config.owner.workingHours, openWork });

    const decidedAt: string[] = [];
    let rateLimitAfterFirstTick = 0;
    for (let at = SUNDAY_NOON_BERLIN; at <= SUNDAY_NOON_BERLIN + 7 * DAY; at += HOUR) {
      if (at - HOUR < TUESDAY_RED && at >= TUESDAY_RED) {
        github.addCheckRun(REPO, { name: 'build', head_sha: 'a'.repeat(40), refs: ['main'], conclusion: 'failure' });
      }
      clock.set(at);
      const outcome = await tick.onSchedule();
      if (outcome.outcome === 'enqueued') {
        expect(await h.initiative.decideNext()).toBe('decided');
        decidedAt.push(iso(at));
      }
      if (at === SUNDAY_NOON_BERLIN) rateLimitAfterFirstTick = github.rateLimitUsed;
    }

    // The first tick; each working day's first tick (09:00 Berlin = 08:00 UTC); Tuesday 14:00 Berlin, after main turned red.
    expect(decidedAt).toEqual([
      '2026-11-29T11:00:00.000Z',
      '2026-11-30T08:00:00.000Z',
      '2026-12-01T08:00:00.000Z',
      '2026-12-01T13:00:00.000Z',
      '2026-12-02T08:00:00.000Z',
      '2026-12-03T08:00:00.000Z',
      '2026-12-04T08:00:00.000Z',
      '2026-12-05T08:00:00.000Z',
      '2026-12-06T08:00:00.000Z',
    ]);
    // Every other tick of the week (160 of 169) called no model.
    expect(model.calls).toHaveLength(9);
    expect(h.journal.ofType('tick.skipped')).toHaveLength(169 - 9);

    // Two notifications: Monday's summary, decided Monday morning, and main's red CI, once.
    const notices = h.store.db.prepare("SELECT params, created_at AS at FROM actions WHERE action = 'notify' ORDER BY created_at").all() as { params: string; at: number }[];
    expect(notices.map((n) => [(JSON.parse(n.params) as { title: string }).title, iso(n.at)])).toEqual([
      ['Last week', '2026-11-30T08:00:00.000Z'],
      ['main is red', '2026-12-01T13:00:00.000Z'],
    ]);

    // The red tick's prompt carried the digest, fenced as third-party data.
    const redPrompt = firstUserText(model.calls[3]!.body);
    const fenced = /<third-party-data>\n([^]*?)\n<\/third-party-data>/g;
    const context = [...redPrompt.matchAll(fenced)].map((m) => m[1]!).find((block) => block.includes('"openWork"'));
    expect(context).toContain('"failed":["build"]');
    expect(context).toContain('Pull request 1 by bob');
    expect(context).toContain('Pull request 2 by carol');

    // 169 digests of four conditional GETs each, through the worker: only the first tick and main's new check run spent rate limit.
    const reads = h.journal.ofType('tick.open_work').map((r) => (r.repos as { requests: number; notModified: number }[])[0]!);
    expect(reads).toHaveLength(169);
    const requests = reads.reduce((n, r) => n + r.requests, 0);
    const notModified = reads.reduce((n, r) => n + r.notModified, 0);
    expect(requests).toBe(169 * 4);
    expect(notModified).toBe(169 * 4 - 4 - 1);
    expect(rateLimitAfterFirstTick).toBe(4);
    expect(github.rateLimitUsed).toBe(5);
    expect(github.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  }, 180_000);
});

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TickPayload } from '../../src/tick/index.js';
import { FakeGithub } from '../github/fake-github.js';
import { REPO, TOKEN } from '../github/helpers.js';
import { killDaemons, logEntries, makeHome, removeHomes, startDaemon, waitFor, type RunningDaemon } from '../helpers/home.js';
import { inboxRows } from '../helpers/inbox-rows.js';

/**
 * Issue 15, wired: `vigil start` with the token in secrets.json only. A tick reads
 * the open-work digest through the daemon's worker, the tick's event carries it, the log
 * says what it cost; the second read of an unchanged world is all 304s.
 */

const daemons: RunningDaemon[] = [];
const fakes: FakeGithub[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
  removeHomes();
});

describe('the open-work digest in the daemon', () => {
  it('a tick reads it through the worker, twice: the second time GitHub answers 304 to every request', async () => {
    const fake = await new FakeGithub({ tokens: [TOKEN] }).start();
    fakes.push(fake);
    fake.addCheckRun(REPO, { name: 'test', head_sha: 'a'.repeat(40), refs: ['main'], conclusion: 'failure' });
    fake.addIssue(REPO, { number: 5, title: 'Flaky parser test', assignees: ['ada'] });
    const home = makeHome({ owner: { login: 'ada' }, github: { repos: [REPO], coalesceSeconds: 0 } });
    const secretsFile = path.join(home, 'secrets.json');
    fs.writeFileSync(secretsFile, JSON.stringify({ ...(JSON.parse(fs.readFileSync(secretsFile, 'utf8')) as object), githubToken: TOKEN }), { mode: 0o600 });
    const daemon = await startDaemon(home, { GITHUB_API_URL: fake.url });
    daemons.push(daemon);
    // Over HTTP, not `vigil tick`: spawnSync would stop this process, and the fake GitHub in it, while the tick reads.
    const { dashboardToken } = JSON.parse(fs.readFileSync(secretsFile, 'utf8')) as { dashboardToken: string };
    const tick = async () => expect((await fetch(`${daemon.url}/api/tick`, { method: 'POST', headers: { authorization: `Bearer ${dashboardToken}` } })).status).toBe(202);

    await tick();
    await waitFor(() => logEntries(home).some((e) => e.type === 'decision.made'), 20_000, 'the first tick decided');
    await tick();
    const reads = await waitFor(() => {
      const found = logEntries(home).filter((e) => e.type === 'tick.open_work');
      return found.length === 2 && found;
    }, 20_000, 'two digests');
    expect(reads.map((r) => r.failed)).toEqual([[], []]);
    expect(reads.map((r) => r.repos)).toEqual([
      [{ repo: REPO, requests: 4, notModified: 0, ci: 'failure', reviewRequested: 0, ownPulls: 0, assigned: 1, stale: 0 }],
      [{ repo: REPO, requests: 4, notModified: 4, ci: 'failure', reviewRequested: 0, ownPulls: 0, assigned: 1, stale: 0 }],
    ]);
    expect(fake.rateLimitUsed).toBe(4);
    expect(fake.requests.every((r) => r.authorization === `token ${TOKEN}`)).toBe(true);

    const [first] = inboxRows(home, "source = 'tick'");
    const payload = JSON.parse(first!.payload) as TickPayload;
    expect(payload.openWork?.[0]).toMatchObject({ repo: REPO, defaultBranch: 'main', ci: { state: 'failure', failed: ['test'] }, owner: 'ada' });
    expect(payload.openWork?.[0]?.assigned.map((i) => i.title)).toEqual(['Flaky parser test']);
  }, 60_000);
});

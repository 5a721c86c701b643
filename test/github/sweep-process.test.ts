import { afterEach, describe, expect, it } from 'vitest';
import { logEntries, makeHome, removeHomes, runCli, startDaemon, waitFor, type RunningDaemon, killDaemons } from '../helpers/home.js';
import { FakeGithub } from './fake-github.js';
import { REPO, TOKEN } from './helpers.js';

/** The worker's sweep, asked for by a real daemon at start, against the fake GitHub. */

const daemons: RunningDaemon[] = [];
const fakes: FakeGithub[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
  removeHomes();
});

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

async function start(config: Record<string, unknown>) {
  const fake = await new FakeGithub({ tokens: [TOKEN] }).start();
  fakes.push(fake);
  const home = makeHome(config);
  const daemon = await startDaemon(home, { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: fake.url });
  daemons.push(daemon);
  return { fake, home, daemon };
}

describe('the missed-delivery sweep in the worker', () => {
  it('at start, the worker asks GitHub to redeliver what failed and logs it', async () => {
    const fake = await new FakeGithub({ tokens: [TOKEN] }).start();
    fakes.push(fake);
    fake.setDeliveries(`repos/${REPO}/hooks/31`, [
      { id: 1, guid: 'while-vigil-was-down', delivered_at: minutesAgo(30), status_code: 0 },
      { id: 2, guid: 'delivered', delivered_at: minutesAgo(20), status_code: 202 },
    ]);
    const home = makeHome({ github: { hookId: 31, hookRepo: REPO } });
    daemons.push(await startDaemon(home, { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: fake.url }));

    const sweep = await waitFor(() => logEntries(home).find((e) => e.type === 'github.sweep'), 15_000, 'the sweep to be logged');
    expect(sweep).toMatchObject({ listed: 2, redelivered: 1 });
    expect(logEntries(home).filter((e) => e.type === 'github.redelivery_requested')).toMatchObject([{ guid: 'while-vigil-was-down', deliveryId: 1 }]);
    expect(fake.calls('POST', /^\/repos\/octo\/app\/hooks\/31\/deliveries\/1\/attempts$/)).toHaveLength(1);
    expect(fake.calls('POST', /\/attempts$/)).toHaveLength(1);
  });

  it('a failing sweep is logged and the worker goes on to run actions', async () => {
    // The hook does not exist on the fake: listing its deliveries answers 404.
    const { fake, home } = await start({
      github: { hookId: 404, hookRepo: REPO },
      rules: [{ on: 'tick', propose: { action: 'github.label', params: { repo: REPO, number: 1, labels: ['triage'] } } }],
      permissions: { mode: 'auto', rules: [{ action: 'github.label', decision: 'allow' }] },
    });
    fake.addIssue(REPO, { number: 1 });
    const failed = await waitFor(() => logEntries(home).find((e) => e.type === 'github.sweep_failed'), 15_000, 'the sweep to fail');
    expect(failed.error).toMatch(/Not Found/);

    expect(runCli(home, ['tick']).status).toBe(0);
    const succeeded = await waitFor(() => logEntries(home).find((e) => e.type === 'action.succeeded'), 15_000, 'the label action');
    expect(succeeded.result).toEqual({ repo: REPO, number: 1, labels: ['triage'], reused: false });
    // The same worker: the sweep's failure did not take it down.
    const started = logEntries(home).filter((e) => e.type === 'worker.started');
    expect(started).toHaveLength(1);
    expect(succeeded.pid).toBe(started[0]!.workerPid);
  });
});

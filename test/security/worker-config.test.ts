import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killDaemons, logEntries, makeHome, removeHomes, runCli, sleep, startDaemon, waitFor, writeConfig, type RunningDaemon } from '../helpers/home.js';
import { memoryFile } from '../helpers/store-rows.js';
import { postDelivery, webhookSecret } from '../helpers/webhooks.js';

/**
 * Issue 12: a config.json the daemon refused on SIGHUP used to make every new worker
 * die at start (it re-read the file), so approved actions stalled in a crash loop. The
 * worker now takes the config the daemon accepted, over IPC.
 */
const daemons: RunningDaemon[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  removeHomes();
});

describe('the worker takes its config from the daemon', () => {
  // notify builds the owner's channels from the config: it once re-read config.json in the worker.
  it.each([
    ['memory.note', { text: 'ran with the config the daemon kept' }],
    ['notify', { title: 'ran with the config the daemon kept', body: 'notify builds its channels from that config' }],
  ])('SIGHUP with a broken config.json while an approved %s waits: a new worker runs it with the old config', async (action, params) => {
    const home = makeHome({
      rules: [{ on: 'tick', propose: { action, params } }],
      permissions: { mode: 'auto', rules: [{ action, decision: 'ask' }] },
      // The worker that sent the approval notice is gone before the answer: the action needs a new one.
      exec: { idleExitSeconds: 1 },
    });
    const daemon = await startDaemon(home);
    daemons.push(daemon);
    expect(runCli(home, ['tick']).status).toBe(0);
    const requested = await waitFor(() => logEntries(home).find((e) => e.type === 'approval.requested'), 10_000, 'approval.requested');
    await sleep(500);
    await waitFor(
      () => {
        const entries = logEntries(home);
        return entries.filter((e) => e.type === 'worker.started').length === entries.filter((e) => e.type === 'worker.exited').length;
      },
      10_000,
      'no worker running',
    );

    fs.writeFileSync(path.join(home, 'config.json'), '{ "permissions": { "mode": ');
    const before = logEntries(home).length;
    daemon.proc.kill('SIGHUP');
    await waitFor(() => logEntries(home).slice(before).find((e) => e.type === 'config.reload_failed'), 5000, 'config.reload_failed');

    const approve = runCli(home, ['approve', requested.actionId as string]);
    expect(approve.status, approve.stderr).toBe(0);
    const succeeded = await waitFor(
      () => logEntries(home).find((e) => e.type === 'action.succeeded' && e.actionId === requested.actionId),
      15_000,
      'action.succeeded',
    );
    expect(succeeded.action).toBe(action);
    if (action === 'memory.note') expect(memoryFile(home, 'notes.md')).toContain('ran with the config the daemon kept');
    // The worker's stdout reaches the daemon's through a pipe: it may trail the log line.
    else await waitFor(() => daemon.output().includes('vigil notify [normal] ran with the config the daemon kept'), 5000, 'the notify line');

    const after = logEntries(home).slice(before);
    const started = after.filter((e) => e.type === 'worker.started');
    expect(started.length, 'a new worker ran the action').toBeGreaterThanOrEqual(1);
    // No worker died on the broken file.
    expect(after.filter((e) => e.type === 'worker.exited' && e.code !== 0)).toEqual([]);
    expect(daemon.output()).not.toMatch(/vigil worker: .*config/i);
    expect(daemon.proc.exitCode).toBeNull();
  }, 40_000);

  it('an accepted reload reaches the running worker and the intake: an approval answered after it is re-checked against the new config, a delivery filtered by it', async () => {
    const home = makeHome({
      // The allowed notify starts a worker that stays (idle exit 120 s): the reload must recycle it.
      rules: [
        { on: 'tick', propose: { action: 'notify', params: { title: 'worker up', body: 'before the reload' } } },
        { on: 'tick', propose: { action: 'memory.note', params: { text: 'never written' } } },
      ],
      permissions: { mode: 'auto', rules: [{ action: 'notify', decision: 'allow' }, { action: 'memory.note', decision: 'ask' }] },
    });
    const daemon = await startDaemon(home);
    daemons.push(daemon);
    const secret = webhookSecret(home);
    const issue = (repo: string, number: number) => JSON.stringify({ action: 'opened', issue: { number }, repository: { full_name: repo } });
    expect(runCli(home, ['tick']).status).toBe(0);
    const requested = await waitFor(() => logEntries(home).find((e) => e.type === 'approval.requested'), 10_000, 'approval.requested');
    await waitFor(() => logEntries(home).find((e) => e.type === 'action.succeeded' && e.action === 'notify'), 15_000, 'the notify a worker ran');
    expect((await postDelivery(daemon.url, secret, issue('someone/else', 1), { event: 'issues', deliveryId: 'aaaaaaaa-0001' })).status).toBe(202);

    const github = (JSON.parse(fs.readFileSync(path.join(home, 'config.json'), 'utf8')) as { github: object }).github;
    writeConfig(home, { github: { ...github, repos: ['octo/*'] }, permissions: { mode: 'auto', rules: [{ action: 'memory.note', decision: 'deny' }] } });
    daemon.proc.kill('SIGHUP');
    await waitFor(() => logEntries(home).find((e) => e.type === 'config.reloaded'), 5000, 'config.reloaded');
    expect(runCli(home, ['approve', requested.actionId as string]).status).toBe(0);
    const failed = await waitFor(
      () => logEntries(home).find((e) => e.type === 'action.failed' && e.actionId === requested.actionId),
      15_000,
      'action.failed',
    );
    expect(failed.error).toMatch(/^policy now denies/);
    expect(memoryFile(home, 'notes.md')).toBeUndefined();

    // github.repos, reloaded: the same repository's next delivery is stored and logged as filtered.
    expect((await postDelivery(daemon.url, secret, issue('someone/else', 2), { event: 'issues', deliveryId: 'aaaaaaaa-0002' })).status).toBe(202);
    const received = (id: string) => logEntries(home).find((e) => e.type === 'event.received' && e.deliveryId === id);
    const after = await waitFor(() => received('aaaaaaaa-0002'), 5000, 'the second delivery received');
    const filtered = logEntries(home).filter((e) => e.type === 'event.filtered').map((e) => e.eventId);
    expect(filtered).toEqual([after.eventId]);
    expect(filtered).not.toContain(received('aaaaaaaa-0001')?.eventId);
  }, 40_000);
});

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killDaemons, logEntries, makeHome, removeHomes, runCli, sleep, startDaemon, waitFor, writeConfig, type RunningDaemon } from '../helpers/home.js';

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
    if (action === 'memory.note') expect(fs.readFileSync(path.join(home, 'memory', 'notes.md'), 'utf8')).toContain('ran with the config the daemon kept');
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

  it('an accepted reload reaches the worker: an approval answered after it is re-checked against the new config', async () => {
    const home = makeHome({
      rules: [{ on: 'tick', propose: { action: 'memory.note', params: { text: 'never written' } } }],
      permissions: { mode: 'auto', rules: [{ action: 'memory.note', decision: 'ask' }] },
    });
    const daemon = await startDaemon(home);
    daemons.push(daemon);
    expect(runCli(home, ['tick']).status).toBe(0);
    const requested = await waitFor(() => logEntries(home).find((e) => e.type === 'approval.requested'), 10_000, 'approval.requested');

    writeConfig(home, { permissions: { mode: 'auto', rules: [{ action: 'memory.note', decision: 'deny' }] } });
    daemon.proc.kill('SIGHUP');
    await waitFor(() => logEntries(home).find((e) => e.type === 'config.reloaded'), 5000, 'config.reloaded');
    expect(runCli(home, ['approve', requested.actionId as string]).status).toBe(0);
    const failed = await waitFor(
      () => logEntries(home).find((e) => e.type === 'action.failed' && e.actionId === requested.actionId),
      15_000,
      'action.failed',
    );
    expect(failed.error).toMatch(/^policy now denies/);
    expect(fs.existsSync(path.join(home, 'memory', 'notes.md'))).toBe(false);
  }, 40_000);
});

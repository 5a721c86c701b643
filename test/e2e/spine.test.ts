import { afterEach, describe, expect, it } from 'vitest';
import { logEntries, makeHome, removeHomes, runCli, startDaemon, waitFor, writeConfig, type RunningDaemon, killDaemons } from '../helpers/home.js';

/** A rule that turns every tick into a proposal, and a mode in which everything asks. */
const TICK_NOTE = {
  rules: [{ on: 'tick', propose: { action: 'memory.note', params: { text: 'tick by {{payload.trigger}}' } } }],
  permissions: { mode: 'suggest', rules: [] },
};

const daemons: RunningDaemon[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  removeHomes();
});

describe('the spine, end to end, on real processes', () => {
  it('tick → decision → approval; approve → the worker process records action.succeeded', async () => {
    const home = makeHome(TICK_NOTE);
    const daemon = await startDaemon(home);
    daemons.push(daemon);

    expect(runCli(home, ['tick']).status).toBe(0);
    const requested = await waitFor(() => logEntries(home).find((e) => e.type === 'approval.requested'), 10_000, 'approval');
    const types = logEntries(home).map((e) => e.type);
    const received = types.indexOf('event.received');
    expect(received).toBeGreaterThanOrEqual(0);
    expect(types.indexOf('decision.made')).toBeGreaterThan(received);
    expect(types.indexOf('approval.requested')).toBeGreaterThan(types.indexOf('decision.made'));

    const listed = JSON.parse(runCli(home, ['approvals', '--json']).stdout) as { id: string; action: string }[];
    expect(listed.map((a) => a.id)).toEqual([requested.actionId]);
    const approve = runCli(home, ['approve', String(requested.actionId)]);
    expect(approve.status, approve.stderr).toBe(0);

    const succeeded = await waitFor(
      () => logEntries(home).find((e) => e.type === 'action.succeeded' && e.actionId === requested.actionId),
      10_000,
      'action.succeeded',
    );
    expect(succeeded.pid).not.toBe(daemon.pid);
    const started = logEntries(home).find((e) => e.type === 'worker.started');
    expect(started?.workerPid).toBe(succeeded.pid);

    // Single use: a second answer is refused with a stable code.
    const again = runCli(home, ['approve', String(requested.actionId)]);
    expect(again.status).not.toBe(0);
    expect(again.stderr).toContain('VIGIL_ERR_APPROVAL_CLOSED');

    daemon.proc.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
    const verify = runCli(home, ['log', 'verify']);
    expect(verify.status, verify.stdout).toBe(0);
  });

  it('SIGTERM drains and exits 0 within 10 s; SIGHUP with a broken config keeps the old one', async () => {
    const home = makeHome();
    const daemon = await startDaemon(home);
    daemons.push(daemon);
    // The home's other keys stay (a team home's store.url among them: the log is read there).
    writeConfig(home, { tick: { schedule: 'every now and then' } });
    daemon.proc.kill('SIGHUP');
    await waitFor(() => logEntries(home).find((e) => e.type === 'config.reload_failed'), 5000, 'reload refused');
    expect((await fetch(`${daemon.url}/healthz`)).status).toBe(200);

    const t0 = Date.now();
    daemon.proc.kill('SIGTERM');
    const { code } = await daemon.exited;
    expect(code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(logEntries(home).at(-1)?.type).toBe('daemon.stopped');
  });

  it('a second `vigil start` on the same home is refused, naming the pid that holds it', async () => {
    const home = makeHome();
    const daemon = await startDaemon(home);
    daemons.push(daemon);
    const second = runCli(home, ['start']);
    expect(second.status).not.toBe(0);
    expect(second.stderr).toContain(`pid ${daemon.pid}`);
  });
});

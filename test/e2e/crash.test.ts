import { afterEach, describe, expect, it } from 'vitest';
import { logEntries, makeHome, removeHomes, runCli, startDaemon, waitFor, type RunningDaemon, killDaemons, query } from '../helpers/home.js';
import { memoryFile, runningActions } from '../helpers/store-rows.js';

const daemons: RunningDaemon[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  removeHomes();
});

describe('crashes lose nothing and repeat nothing', () => {
  it('kill -9 of the daemon while an event is being decided: after restart it is decided exactly once', async () => {
    const home = makeHome({
      rules: [{ on: 'tick', propose: { action: 'notify', params: { title: 'tick', body: 'decided' } } }],
      // On PostgreSQL the restarted node takes the event over once the dead one's lease
      // lapses: the shortest lease (SQLite has none; the key is ignored there).
      store: { leaseSeconds: 5 },
    });
    // The decision takes 3 s, so the kill lands inside it.
    const first = await startDaemon(home, { VIGIL_FAILPOINTS: 'decide.delay=3000' });
    daemons.push(first);
    expect(runCli(home, ['tick']).status).toBe(0);
    const claimed = await waitFor(
      () => query<{ id: number }>(home, `SELECT id FROM inbox WHERE kind = 'tick' AND state = 'claimed'`)[0],
      5000,
      'the tick to be claimed',
    );
    first.proc.kill('SIGKILL');
    await first.exited;
    expect(query(home, 'SELECT * FROM decisions WHERE event_id = ?', claimed.id)).toHaveLength(0);

    const second = await startDaemon(home);
    daemons.push(second);
    await waitFor(() => logEntries(home).find((e) => e.type === 'action.succeeded'), 15_000, 'the notify to run');
    expect(query(home, 'SELECT * FROM decisions WHERE event_id = ?', claimed.id)).toHaveLength(1);
    expect(query(home, `SELECT * FROM inbox WHERE id = ? AND state = 'decided'`, claimed.id)).toHaveLength(1);
    const decided = logEntries(home).filter((e) => e.type === 'decision.made' && e.eventId === claimed.id);
    expect(decided).toHaveLength(1);
    expect(decided[0]!.pid).toBe(second.pid);
    expect(query(home, `SELECT * FROM actions`)).toHaveLength(1);
    second.proc.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
    expect(runCli(home, ['log', 'verify']).status).toBe(0);
  });

  it('kill -9 of the worker while an action runs: the worker is restarted and the action ends succeeded', async () => {
    const home = makeHome({
      rules: [{ on: 'tick', propose: { action: 'memory.note', params: { text: 'survives a dead worker' } } }],
    });
    // The action takes 2 s inside the worker, so the kill lands inside it.
    const daemon = await startDaemon(home, { VIGIL_FAILPOINTS: 'exec.delay=2000' });
    daemons.push(daemon);
    expect(runCli(home, ['tick']).status).toBe(0);
    const running = await waitFor(() => runningActions(home)[0], 10_000, 'the action to run');
    process.kill(running.workerPid, 'SIGKILL');

    const final = await waitFor(
      () =>
        query<{ state: string; attempts: number }>(
          home,
          `SELECT state, attempts FROM actions WHERE id = ? AND state IN ('succeeded', 'failed')`,
          running.id,
        )[0],
      15_000,
      'the action to finish',
    );
    expect(final.state).toBe('succeeded');
    expect(final.attempts).toBe(2);
    const entries = logEntries(home);
    const exited = entries.find((e) => e.type === 'worker.exited' && e.workerPid === running.workerPid);
    expect(exited?.signal).toBe('SIGKILL');
    expect(entries.some((e) => e.type === 'action.released' && e.actionId === running.id)).toBe(true);
    const succeeded = entries.find((e) => e.type === 'action.succeeded' && e.actionId === running.id);
    expect(succeeded?.pid).not.toBe(running.workerPid);
    expect(succeeded?.pid).not.toBe(daemon.pid);
    // memory.note is idempotent by action id: the line is in the notes file once.
    expect(memoryFile(home, 'notes.md')?.match(/survives a dead worker/g)).toHaveLength(1);
    expect(query(home, `SELECT * FROM actions WHERE state = 'running'`)).toHaveLength(0);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { onPostgres } from '../helpers/backend.js';
import { killDaemons, logEntries, makeHome, removeHomes, runCli, startDaemon, waitFor, type RunningDaemon } from '../helpers/home.js';
import { packagesOf, tracePackages } from '../helpers/packages.js';

// The CLI runs an operation through the daemon's route when one runs, else in its own
// process (src/cli/operate.ts): either way the owner sees the same answer and exit code.

const daemons: RunningDaemon[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  removeHomes();
});

const ASK_ON_TICK = {
  rules: [{ on: 'tick', propose: { action: 'memory.note', params: { text: 'asks' } } }],
  permissions: { mode: 'suggest', rules: [] },
};

describe('vigil cancel, with and without a daemon', () => {
  // A daemon started and stopped, and six CLI runs: generous on a loaded two-core machine.
  it('refuses an unknown id and what is not an agent task alike, through the route or in-process', { timeout: 60_000 }, async () => {
    // The daemon starts first: a team's database has no tables before a node migrated it.
    const home = makeHome(ASK_ON_TICK);
    const daemon = await startDaemon(home);
    daemons.push(daemon);
    const online = runCli(home, ['cancel', 'nope']);
    expect(online.status).toBe(1);
    expect(online.stderr).toBe('vigil: no such approval: no action nope [VIGIL_ERR_APPROVAL_NOT_FOUND]\n');

    expect(runCli(home, ['tick']).status).toBe(0);
    const requested = await waitFor(() => logEntries(home).find((e) => e.type === 'approval.requested'), 10_000, 'approval');
    const note = runCli(home, ['cancel', String(requested.actionId)]);
    expect(note.status).toBe(2);
    expect(note.stderr).toBe(`vigil: invalid command line: ${requested.actionId} is memory.note; only agent tasks can be cancelled [VIGIL_ERR_USAGE]\n`);

    // Without the daemon: the same answers, from this process.
    daemon.proc.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
    for (const [id, answer] of [['nope', online], [String(requested.actionId), note]] as const) {
      const offline = runCli(home, ['cancel', id]);
      expect({ status: offline.status, stderr: offline.stderr }).toEqual({ status: answer.status, stderr: answer.stderr });
    }
  });
});

/**
 * Issue 18: a command that only asks a running daemon loads nothing of the store — not
 * SQLite, not the operations room — so `vigil tick`, `vigil approvals`, `vigil approve`,
 * `vigil cancel` start as fast as `vigil status` (each was ~0.3 s slower with the store
 * loaded). The daemon's answer is the one the store gives the same command when no daemon runs.
 */
describe('commands that ask a running daemon', () => {
  it('load no SQLite, and answer as the store does without the daemon', async () => {
    const home = makeHome(ASK_ON_TICK);
    const daemon = await startDaemon(home);
    daemons.push(daemon);
    const { trace, env } = tracePackages(home);
    const light = (args: string[]) => {
      const run = runCli(home, args, env);
      expect(run.status, `vigil ${args.join(' ')}: ${run.stderr}`).toBe(0);
      expect(packagesOf(trace, run.pid!), `vigil ${args.join(' ')}`).not.toContain('better-sqlite3');
      return run.stdout;
    };

    expect(light(['tick'])).toMatch(/^tick enqueued as event \d+/);
    await waitFor(() => logEntries(home).find((e) => e.type === 'approval.requested'), 15_000, 'the approval');
    const viaDaemon = JSON.parse(light(['approvals', '--json'])) as { id: string; action: string }[];
    expect(viaDaemon.map((a) => a.action)).toEqual(['memory.note']);
    expect(light(['approvals'])).toContain(viaDaemon[0]!.id);
    // An error the daemon answers (no such task) is the command's, still without the store.
    const cancel = runCli(home, ['cancel', 'nosuch'], env);
    expect(cancel.stderr).toContain('VIGIL_ERR_APPROVAL_NOT_FOUND');
    expect(packagesOf(trace, cancel.pid!)).not.toContain('better-sqlite3');

    daemon.proc.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
    const alone = runCli(home, ['approvals', '--json'], env);
    expect(alone.status).toBe(0);
    // Without it, this process reads the store itself: vigil.db, or a team's database.
    expect(packagesOf(trace, alone.pid!)).toContain(onPostgres() ? 'pg' : 'better-sqlite3');
    expect(JSON.parse(alone.stdout)).toEqual(viaDaemon);

    const again = await startDaemon(home);
    daemons.push(again);
    expect(light(['approve', viaDaemon[0]!.id])).toBe(`${viaDaemon[0]!.id}: approved\n`);
    expect(JSON.parse(light(['approvals', '--json']))).toEqual([]);
  }, 60_000);
});

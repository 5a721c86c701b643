import { afterEach, describe, expect, it } from 'vitest';
import { killDaemons, logEntries, makeHome, removeHomes, runCli, startDaemon, waitFor, type RunningDaemon } from '../helpers/home.js';

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
  it('refuses an unknown id and what is not an agent task alike, through the route or in-process', async () => {
    const home = makeHome(ASK_ON_TICK);
    const offline = runCli(home, ['cancel', 'nope']);
    expect(offline.status).toBe(1);
    expect(offline.stderr).toBe('vigil: no such approval: no action nope [VIGIL_ERR_APPROVAL_NOT_FOUND]\n');

    const daemon = await startDaemon(home);
    daemons.push(daemon);
    const online = runCli(home, ['cancel', 'nope']);
    expect({ status: online.status, stderr: online.stderr }).toEqual({ status: offline.status, stderr: offline.stderr });

    expect(runCli(home, ['tick']).status).toBe(0);
    const requested = await waitFor(() => logEntries(home).find((e) => e.type === 'approval.requested'), 10_000, 'approval');
    const note = runCli(home, ['cancel', String(requested.actionId)]);
    expect(note.status).toBe(2);
    expect(note.stderr).toBe(`vigil: invalid command line: ${requested.actionId} is memory.note; only agent tasks can be cancelled [VIGIL_ERR_USAGE]\n`);
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { logEntries, makeHome, removeHomes, runCli, startDaemon, waitFor, type RunningDaemon } from '../helpers/home.js';
import { FakePulls, git, makeRepos, ownerState, REPO, TOKEN } from './fixture.js';

// The whole path on real processes: a tick proposes agent.task, the owner approves it
// on the CLI, the daemon's worker process runs it (external stub agent) and the draft
// pull request's URL reaches the hash-chained log.

const STUB = [process.execPath, path.join(path.dirname(fileURLToPath(import.meta.url)), 'stub-agent.mjs')];

let daemon: RunningDaemon | undefined;
afterEach(async () => {
  if (daemon && daemon.proc.exitCode === null) daemon.proc.kill('SIGKILL');
  await daemon?.exited;
  removeHomes();
});

it('tick → agent.task asks → vigil approve → the worker opens a draft PR; the log has agent.started, agent.finished, action.succeeded', async () => {
  const repos = makeRepos();
  const before = ownerState(repos.clone);
  const github = await new FakePulls().start();
  try {
    const home = makeHome({
      rules: [{ on: 'tick', propose: { action: 'agent.task', params: { repo: REPO, instructions: 'fix add so check.mjs passes' } } }],
      repos: [{ name: REPO, path: repos.clone }],
      agent: { command: STUB },
    });
    daemon = await startDaemon(home, { GITHUB_API_URL: github.url, GITHUB_TOKEN: TOKEN });
    expect(runCli(home, ['tick']).status).toBe(0);
    const requested = await waitFor(() => logEntries(home).find((e) => e.type === 'approval.requested' && e.action === 'agent.task'), 10_000, 'approval');
    const approve = runCli(home, ['approve', String(requested.actionId)]);
    expect(approve.status, approve.stderr).toBe(0);
    const done = await waitFor(
      () => logEntries(home).find((e) => (e.type === 'action.succeeded' || e.type === 'action.failed') && e.actionId === requested.actionId),
      20_000,
      'the task to end',
    );
    expect(done.type, JSON.stringify(done)).toBe('action.succeeded');
    expect(github.pulls).toHaveLength(1);
    expect(github.pulls[0]).toMatchObject({ draft: true, head: `vigil/${requested.actionId}` });
    expect(done.result).toMatchObject({ changed: true, pullRequest: { url: github.pulls[0]!.html_url } });
    const types = logEntries(home).filter((e) => e.actionId === requested.actionId).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['agent.started', 'agent.finished', 'action.started', 'action.succeeded']));
    expect(git(repos.remote, 'show', `vigil/${requested.actionId}:add.mjs`)).toContain('a + b');
    expect(fs.readdirSync(path.join(home, 'agent', 'worktrees'))).toEqual([]);
    expect(ownerState(repos.clone)).toBe(before);

    daemon.proc.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
    expect(runCli(home, ['log', 'verify']).status).toBe(0);
  } finally {
    await github.stop();
    fs.rmSync(repos.root, { recursive: true, force: true });
  }
});

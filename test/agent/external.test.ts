import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, waitFor } from '../helpers/home.js';
import { useAgentFakes, git, makeAgentHome, makeRepos, ownerState, REPO, runApprovedTask, staged, worktreesLeft, type Repos } from './fixture.js';

// External-agent mode: `agent.command` names a CLI (here a stub script from this folder)
// that runs in the worktree with the instructions on stdin; its changes end the same way.

const STUB = [process.execPath, path.join(path.dirname(fileURLToPath(import.meta.url)), 'stub-agent.mjs')];

const fakes = useAgentFakes();
let repos: Repos;
let before: string;

beforeEach(() => {
  repos = makeRepos();
  before = ownerState(repos.clone);
});
afterEach(() => {
  expect(ownerState(repos.clone)).toBe(before);
  fs.rmSync(repos.root, { recursive: true, force: true });
});

describe('agent.task with an external agent command', () => {
  it('runs the stub CLI in the worktree with the instructions on stdin; its change is committed, pushed and opened as a draft PR', async () => {
    const home = makeAgentHome(repos, { command: STUB }, { github: fakes.github.url });
    const action = await runApprovedTask(home, { repo: REPO, instructions: 'Please fix add so check.mjs passes' });
    expect(action.error).toBeNull();
    expect(action.state).toBe('succeeded');
    const branch = `vigil/${action.id}`;
    expect(git(repos.remote, 'show', `${branch}:add.mjs`)).toContain('return a + b');
    expect(git(repos.remote, 'log', '-1', '--format=%B', branch)).toContain('Co-authored-by: vigil');
    expect(fakes.github.pulls).toHaveLength(1);
    expect(fakes.github.pulls[0]).toMatchObject({ draft: true, head: branch, base: 'main' });
    expect(fakes.github.pulls[0]!.body).toContain('fixed add.mjs: it subtracted');
    expect(fakes.github.pulls[0]!.body).toContain('Written by vigil, an AI agent');
    // It ran in the worktree, not in the owner's clone.
    const transcript = fs.readFileSync(path.join(home, 'agent', `${action.id}.jsonl`), 'utf8');
    expect(transcript).toContain(`stub agent in ${path.join(fs.realpathSync(home), 'agent', 'worktrees', action.id)}`);
    expect(transcript).toContain('Please fix add so check.mjs passes');
    expect(worktreesLeft(home, repos.clone)).toMatchObject({ dirs: [], branches: '' });
  });

  it('without changes the task succeeds and reports why; nothing is pushed', async () => {
    const home = makeAgentHome(repos, { command: STUB }, { github: fakes.github.url });
    const action = await runApprovedTask(home, { repo: REPO, instructions: 'Look around' });
    expect(action.state).toBe('succeeded');
    expect(action.result).toMatchObject({ changed: false, summary: expect.stringContaining('stub agent in') });
    expect(staged(home, 'agent.finished')).toEqual([expect.objectContaining({ changed: false })]);
    expect(fakes.github.pulls).toHaveLength(0);
    expect(git(repos.remote, 'branch', '--list', 'vigil/*')).toBe('');
  });

  it('wall time: a command that never ends is killed at agent.maxMinutes; the action fails with the reason', async () => {
    const home = makeAgentHome(repos, { command: STUB, maxMinutes: 0.01 }, { github: fakes.github.url });
    const action = await runApprovedTask(home, { repo: REPO, instructions: 'fix add, then hang' });
    expect(action.state).toBe('failed');
    expect(action.error).toMatch(/^time budget exceeded/);
    expect(worktreesLeft(home, repos.clone)).toMatchObject({ dirs: [], branches: '' });
    expect(fakes.github.pulls).toHaveLength(0);
  });

  it('vigil cancel ID stops a running task: the worktree is removed and the action fails "cancelled"', async () => {
    const home = makeAgentHome(repos, { command: STUB }, { github: fakes.github.url });
    let id = '';
    const running = runApprovedTask(home, { repo: REPO, instructions: 'fix add, then hang' }, (actionId) => (id = actionId));
    await waitFor(() => id && fs.existsSync(path.join(home, 'agent', 'worktrees', id)), 10_000, 'the worktree');
    const cancel = runCli(home, ['cancel', id]);
    expect(cancel.stderr).toBe('');
    expect(cancel.stdout).toContain(`${id}: cancelling`);
    const action = await running;
    expect(action.state).toBe('failed');
    expect(action.error).toBe('cancelled by the owner (vigil cancel)');
    expect(worktreesLeft(home, repos.clone)).toMatchObject({ dirs: [], branches: '' });
    expect(fakes.github.pulls).toHaveLength(0);
    expect(staged(home, 'agent.cancel_requested')).toEqual([expect.objectContaining({ actionId: id })]);
    // A finished task cannot be cancelled.
    const again = runCli(home, ['cancel', id]);
    expect(again.status).not.toBe(0);
    expect(again.stderr).toContain('is failed, not running');
  });
});

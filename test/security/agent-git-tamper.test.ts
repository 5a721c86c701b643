import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { containment } from '../../src/agent/contain.js';
import { addWorktree, changedFiles, commitAll, removeWorktree } from '../../src/agent/git.js';
import { runTool, type ToolLimits } from '../../src/agent/tools.js';
import { snapshotWorktree, worktreeTampering } from '../../src/agent/worktree-guard.js';
import { useAgentFakes, git, makeAgentHome, makeRepos, ownerState, REPO, runApprovedTask, staged, worktreesLeft, type Repos } from '../agent/fixture.js';

// Issue 12: the agent owns the worktree's files, .git included when it runs as a
// process. It must not be able to make vigil's own git — which runs outside the
// sandbox, with the owner's keys — run anything it planted.

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TAMPER = [process.execPath, path.join(HERE, '..', 'agent', 'stub-tamper.mjs')];

const fakes = useAgentFakes();
let repos: Repos;
let before: string;
let marker: string;

beforeEach(() => {
  repos = makeRepos();
  before = ownerState(repos.clone);
  marker = path.join(repos.root, 'ran.log');
});
afterEach(() => {
  expect(ownerState(repos.clone)).toBe(before);
  fs.rmSync(repos.root, { recursive: true, force: true });
});

const ran = () => (fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8') : '');

describe('an agent that rewrites the worktree\'s .git and plants a git config', () => {
  it('fsmonitor, hooks, core.sshCommand and an [include]: nothing of it runs; the task fails with the reason; nothing is pushed', async () => {
    const home = makeAgentHome(repos, { command: TAMPER }, { github: fakes.github.url });
    const action = await runApprovedTask(home, { repo: REPO, instructions: `fix add marker=${marker}` });
    expect(action.state).toBe('failed');
    expect(action.error).toMatch(/^the worktree's git metadata is not as vigil made it, so nothing is committed: /);
    expect(action.error).toContain('the worktree\'s .git file was rewritten to point elsewhere');
    expect(ran()).toBe('');
    expect(staged(home, 'agent.refused')).toEqual([expect.objectContaining({ actionId: action.id, tool: 'git', reason: action.error })]);
    expect(git(repos.remote, 'branch', '--list', 'vigil/*')).toBe('');
    expect(fakes.github.pulls).toHaveLength(0);
    expect(worktreesLeft(home, repos.clone)).toMatchObject({ dirs: [], branches: '' });
  });

  it('vigil\'s git names its own git dir: even on a tampered worktree, status and commit run none of the planted programs', async () => {
    const tree = await addWorktree(repos.clone, path.join(repos.root, 'tree'), 'vigil/direct');
    try {
      const { spawnSync } = await import('node:child_process');
      const stub = spawnSync(TAMPER[0]!, [TAMPER[1]!], { cwd: tree.dir, input: `marker=${marker}`, encoding: 'utf8' });
      expect(stub.status, stub.stderr).toBe(0);
      // Without the guard: the files git sees are the task's, and the planted config is never read.
      expect(await changedFiles(tree)).toEqual(expect.arrayContaining(['add.mjs', 'evil.git/HEAD']));
      await commitAll(tree, 'subject', 'body');
      expect(ran()).toBe('');
      expect(git(repos.clone, 'log', '-1', '--format=%s', 'vigil/direct').trim()).toBe('subject');
    } finally {
      await removeWorktree(tree);
    }
  });
});

describe('the worktree guard', () => {
  it('names each change to the git metadata vigil made: gitlink, admin folder, clone config, a .git planted at any depth in any case', async () => {
    const tree = await addWorktree(repos.clone, path.join(repos.root, 'tree'), 'vigil/guard');
    try {
      const made = snapshotWorktree(tree);
      expect(worktreeTampering(tree, made)).toEqual([]);
      fs.writeFileSync(path.join(tree.adminDir, 'config.worktree'), `[core]\n\tfsmonitor = /bin/false\n`);
      fs.writeFileSync(path.join(tree.adminDir, 'HEAD'), 'ref: refs/heads/main\n');
      fs.appendFileSync(path.join(tree.commonDir, 'config'), '[core]\n\tsshCommand = /bin/false\n');
      fs.mkdirSync(path.join(tree.dir, 'sub', '.GiT'), { recursive: true });
      const reasons = worktreeTampering(tree, made);
      expect(reasons).toEqual([
        "the worktree's admin folder gained config.worktree",
        "the worktree's admin file HEAD was changed",
        "the clone's git config was changed",
        'the work tree holds "sub/.GiT" (git metadata vigil did not make)',
      ]);
      fs.rmSync(path.join(tree.dir, '.git'));
      fs.mkdirSync(path.join(tree.dir, '.git'));
      expect(worktreeTampering(tree, made)[0]).toBe("the worktree's .git was replaced by a folder or a link");
    } finally {
      fs.writeFileSync(path.join(repos.clone, '.git', 'config'), fs.readFileSync(path.join(repos.clone, '.git', 'config'), 'utf8').replace('[core]\n\tsshCommand = /bin/false\n', ''));
      await removeWorktree(tree);
    }
  });
});

describe('the built-in agent\'s file tools', () => {
  it('refuse .git as a file or folder, in any case, at any depth, and through a link', async () => {
    const tree = await addWorktree(repos.clone, path.join(repos.root, 'tree'), 'vigil/tools');
    try {
      fs.symlinkSync('.git', path.join(tree.dir, 'meta'));
      const limits: ToolLimits = {
        allowCommands: [],
        bashTimeoutMs: 5000,
        outputCap: 10_000,
        redact: (t) => t,
        containment: containment({ home: repos.root, gitDir: tree.commonDir, allowPaths: [], unsandboxed: false, withhold: [] }),
      };
      const calls: [string, Record<string, unknown>][] = [
        ['write_file', { path: '.git', content: 'gitdir: evil\n' }],
        ['read_file', { path: '.git' }],
        ['edit', { path: '.git', old_string: 'gitdir', new_string: 'x' }],
        ['write_file', { path: '.GIT/config', content: '[core]\n' }],
        ['write_file', { path: 'deep/er/.Git/hooks/pre-commit', content: '#!/bin/sh\n' }],
        ['write_file', { path: path.join(tree.dir, 'sub', '.git', 'config'), content: '[core]\n' }],
        ['read_file', { path: 'meta' }],
        ['grep', { pattern: 'gitdir', path: '.git' }],
      ];
      for (const [tool, input] of calls) {
        const result = await runTool(tree.dir, tool, input, limits, new AbortController().signal);
        expect(result, `${tool} ${JSON.stringify(input)}`).toMatchObject({ isError: true, refused: expect.stringMatching(/\.git/) });
      }
      const listed = await runTool(tree.dir, 'glob', { pattern: '**' }, limits, new AbortController().signal);
      expect(listed.content).not.toMatch(/(^|\/)\.git/im);
      expect(fs.readFileSync(path.join(tree.dir, '.git'), 'utf8')).toMatch(/^gitdir: /);
      expect(fs.existsSync(path.join(tree.dir, 'deep'))).toBe(false);
    } finally {
      await removeWorktree(tree);
    }
  });
});

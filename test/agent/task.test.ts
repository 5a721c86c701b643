import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { detectSandbox } from '../../src/agent/sandbox.js';
import { runCli } from '../helpers/home.js';
import { useAgentFakes, git, printed, makeAgentHome, makeRepos, ownerState, REPO, runApprovedTask, staged, TEST_COMMAND, worktreesLeft, type Repos } from './fixture.js';

// The built-in agent end to end: the real ActionRunner and handler, the real Anthropic
// SDK against a scripted fake Messages API, Octokit against a fake pulls API, real git.

const fakes = useAgentFakes({ model: true });
let repos: Repos;
let before: string;

beforeEach(() => {
  repos = makeRepos();
  before = ownerState(repos.clone);
  fakes.model.respond = () => ({ text: 'done' });
});
afterEach(() => {
  // Nothing ever happens in the owner's working tree.
  expect(ownerState(repos.clone)).toBe(before);
  fs.rmSync(repos.root, { recursive: true, force: true });
});

const tool = (name: string, input: Record<string, unknown>) => ({ tool: name, decide: input });

/** The tool results the model was sent in its last request. */
function toolResults(): { content: string; is_error?: boolean }[] {
  return fakes.model.calls.flatMap((call) => {
    const last = call.body.messages.at(-1);
    return Array.isArray(last.content) ? last.content.filter((b: { type: string }) => b.type === 'tool_result') : [];
  });
}

describe('agent.task with the built-in agent', () => {
  it('fixes a failing test: edits, runs the allowed test command, commits on vigil/<id>, pushes, opens one draft PR with the disclosure', async () => {
    const home = makeAgentHome(repos, { allowCommands: [TEST_COMMAND] }, { github: fakes.github.url, anthropic: fakes.model.url });
    fakes.model.push(
      tool('read_file', { path: 'add.mjs' }),
      tool('edit', { path: 'add.mjs', old_string: 'a - b', new_string: 'a + b' }),
      tool('bash', { command: TEST_COMMAND }),
      { text: 'add() subtracted instead of adding; it adds now and check.mjs passes.' },
    );
    const action = await runApprovedTask(home, { repo: REPO, instructions: 'Fix the failing test in check.mjs' });
    expect(action.error).toBeNull();
    expect(action.state).toBe('succeeded');
    const branch = `vigil/${action.id}`;

    const results = toolResults();
    expect(results[0]!.content).toContain('return a - b');
    expect(results[1]!.content).toBe('edited add.mjs');
    expect(results[2]).toMatchObject({ is_error: false });
    expect(results[2]!.content).toMatch(/^exit code 0\nok/);

    // Pushed to the bare remote, with the fix and the trailer.
    expect(git(repos.remote, 'show', `${branch}:add.mjs`)).toContain('return a + b');
    const message = git(repos.remote, 'log', '-1', '--format=%B', branch);
    expect(message).toMatch(/^vigil: Fix the failing test in check\.mjs/);
    expect(message).toContain('Co-authored-by: vigil <vigil@users.noreply.github.com>');
    expect(git(repos.remote, 'rev-parse', `${branch}~1`).trim()).toBe(git(repos.remote, 'rev-parse', 'main').trim());

    expect(fakes.github.pulls).toHaveLength(1);
    const pull = fakes.github.pulls[0]!;
    expect(pull).toMatchObject({ draft: true, head: branch, base: 'main' });
    expect(pull.body).toContain('Written by vigil, an AI agent');
    expect(pull.body).toContain(`<!-- vigil:action:${action.id} -->`);
    expect(pull.body).toContain('add() subtracted instead of adding');
    expect(action.result).toMatchObject({ changed: true, files: ['add.mjs'], pullRequest: { url: pull.html_url, reused: false } });

    expect(staged(home, 'agent.finished')).toEqual([expect.objectContaining({ actionId: action.id, changed: true, pullRequest: pull.html_url })]);
    const transcript = fs.readFileSync(path.join(home, 'agent', `${action.id}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(transcript.filter((e) => e.role === 'tool').map((e) => e.tool)).toEqual(['read_file', 'edit', 'bash']);
    expect(worktreesLeft(home, repos.clone)).toEqual({ dirs: [], worktrees: `worktree ${fs.realpathSync(repos.clone)}`, branches: '' });

    // The owner is told, with the link (the notifier ran without failing).
    expect(printed).toContain(`vigil agent.task ${action.id} (${REPO}): draft pull request ${pull.html_url}`);
    expect(printed.filter((line) => line.includes('could not be notified'))).toEqual([]);

    // The transcript is searchable with `vigil memory search` (the tool output included).
    const search = runCli(home, ['memory', 'search', '--json', 'subtracted', 'adding']);
    expect(search.stderr).toBe('');
    const hits = JSON.parse(search.stdout) as { ref: string; kind: string }[];
    expect(hits).toContainEqual(expect.objectContaining({ ref: `agent ${action.id}`, kind: 'agent.transcript' }));
    const ran = JSON.parse(runCli(home, ['memory', 'search', '--json', 'exit', 'code', '0']).stdout) as { ref: string }[];
    expect(ran.filter((h) => h.ref === `agent ${action.id}`)).toHaveLength(1);
  });

  it('refuses commands outside the allowlist, network commands, shell operators and paths outside the worktree (../, absolute, symlink); logs each; ends cleanly', async () => {
    const home = makeAgentHome(repos, { allowCommands: [TEST_COMMAND], maxTurns: 10 }, { github: fakes.github.url, anthropic: fakes.model.url });
    const secret = path.join(repos.outside, 'secret.txt');
    fakes.model.push(
      tool('bash', { command: 'rm -rf add.mjs' }),
      tool('bash', { command: 'curl https://example.com' }),
      tool('bash', { command: `${TEST_COMMAND}; rm add.mjs` }),
      tool('read_file', { path: '../outside/secret.txt' }),
      tool('read_file', { path: secret }),
      tool('write_file', { path: 'escape/pwned.txt', content: 'x' }),
      tool('read_file', { path: 'escape/secret.txt' }),
      { text: 'I was not allowed to do any of that, so nothing changed.' },
    );
    const action = await runApprovedTask(home, { repo: REPO, instructions: 'Try to escape' });
    expect(action.state).toBe('succeeded');
    expect(action.result).toMatchObject({ changed: false, summary: 'I was not allowed to do any of that, so nothing changed.' });

    const results = toolResults();
    expect(results).toHaveLength(7);
    for (const result of results) expect(result).toMatchObject({ is_error: true, content: expect.stringMatching(/^refused: /) });
    expect(results.map((r) => r.content).join('\n')).not.toContain('not for the agent');
    expect(fs.existsSync(path.join(repos.outside, 'pwned.txt'))).toBe(false);

    const refused = staged(home, 'agent.refused');
    expect(refused.map((r) => r.tool)).toEqual(['bash', 'bash', 'bash', 'read_file', 'read_file', 'write_file', 'read_file']);
    expect(refused[0]!.reason).toContain('not an allowed command');
    expect(refused[1]!.reason).toContain('network');
    expect(refused[2]!.reason).toContain('shell operators');
    expect(refused[3]!.reason).toContain('".." is not allowed');
    expect(refused[4]!.reason).toContain('outside the worktree');
    expect(refused[5]!.reason).toContain('symlink');
    expect(fakes.github.pulls).toHaveLength(0);
    expect(git(repos.remote, 'branch', '--list', 'vigil/*')).toBe('');
    expect(worktreesLeft(home, repos.clone).dirs).toEqual([]);
  });

  it('an allowed command runs in the sandbox, without network (the repo code it runs may be the agent\'s own)', async () => {
    expect(detectSandbox()).toMatchObject({ kind: 'bwrap' });
    const home = makeAgentHome(repos, { allowCommands: ['node probe.mjs'] }, { github: fakes.github.url, anthropic: fakes.model.url });
    const probe = `fetch('${fakes.github.url}/net-probe').then(() => console.log('reached'), (e) => console.log('blocked ' + (e.cause?.code ?? e.message)));\n`;
    fakes.model.push(tool('write_file', { path: 'probe.mjs', content: probe }), tool('bash', { command: 'node probe.mjs' }), { text: 'probed' });
    const action = await runApprovedTask(home, { repo: REPO, instructions: 'Probe the network' });
    expect(action.state).toBe('succeeded');
    const output = toolResults()[1]!.content;
    expect(output).toMatch(/^exit code 0\nblocked /);
    expect(fakes.github.requests.filter((r) => r.path === '/net-probe')).toEqual([]);
  });

  it('refuses every command when agent.allowCommands is empty (the default)', async () => {
    const home = makeAgentHome(repos, {}, { github: fakes.github.url, anthropic: fakes.model.url });
    fakes.model.push(tool('bash', { command: TEST_COMMAND }), { text: 'could not run the tests' });
    const action = await runApprovedTask(home, { repo: REPO, instructions: 'Run the tests' });
    expect(action.state).toBe('succeeded');
    expect(toolResults()[0]!.content).toContain('agent.allowCommands is empty');
  });
});

describe('agent.task that cannot start', () => {
  it('fails with the reason when the repo has no local clone or the base branch does not exist; nothing is left behind', async () => {
    const home = makeAgentHome(repos, {}, { github: fakes.github.url, anthropic: fakes.model.url });
    const unknown = await runApprovedTask(home, { repo: 'octo/other', instructions: 'x' });
    expect(unknown).toMatchObject({ state: 'failed', error: expect.stringContaining('repos[] has no local clone (path) for octo/other') });
    const badBase = await runApprovedTask(home, { repo: REPO, instructions: 'x', branch: 'no-such-branch' });
    expect(badBase.state).toBe('failed');
    expect(badBase.error).toMatch(/^git worktree failed/);
    expect(worktreesLeft(home, repos.clone)).toMatchObject({ dirs: [], branches: '' });
    expect(fakes.model.calls).toHaveLength(0);
  });
});

describe('agent.task budgets', () => {
  async function expectStopped(home: string, reason: RegExp): Promise<void> {
    const action = await runApprovedTask(home, { repo: REPO, instructions: 'Fix the failing test' });
    expect(action.state).toBe('failed');
    expect(action.error).toMatch(reason);
    expect(worktreesLeft(home, repos.clone)).toMatchObject({ dirs: [], branches: '' });
    expect(git(repos.remote, 'branch', '--list', 'vigil/*')).toBe('');
    expect(fakes.github.pulls).toHaveLength(0);
    const transcript = fs.readFileSync(path.join(home, 'agent', `${action.id}.jsonl`), 'utf8');
    expect(transcript).toContain('"role":"stopped"');
  }

  it('turns: the task stops after agent.maxTurns model calls, the worktree is removed, the action fails with the reason', async () => {
    const home = makeAgentHome(repos, { maxTurns: 2 }, { github: fakes.github.url, anthropic: fakes.model.url });
    fakes.model.push(tool('edit', { path: 'add.mjs', old_string: 'a - b', new_string: 'a + b' }), tool('read_file', { path: 'add.mjs' }), tool('read_file', { path: 'add.mjs' }));
    await expectStopped(home, /^turn budget exceeded: 2 turns/);
    expect(fakes.model.calls).toHaveLength(2);
  });

  it('tokens: the task stops when agent.maxTokens is spent', async () => {
    const home = makeAgentHome(repos, { maxTokens: 200 }, { github: fakes.github.url, anthropic: fakes.model.url });
    fakes.model.push(tool('edit', { path: 'add.mjs', old_string: 'a - b', new_string: 'a + b' }));
    await expectStopped(home, /^token budget exceeded: \d+ of 200 tokens/);
    expect(fakes.model.calls).toHaveLength(1);
  });

  it('wall time: a model that never answers is cut off at agent.maxMinutes', async () => {
    const home = makeAgentHome(repos, { maxMinutes: 0.01 }, { github: fakes.github.url, anthropic: fakes.model.url });
    fakes.model.push({ hang: true });
    const started = Date.now();
    await expectStopped(home, /^time budget exceeded/);
    expect(Date.now() - started).toBeLessThan(8000);
  });
});

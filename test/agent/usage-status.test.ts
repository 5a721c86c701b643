import fs from 'node:fs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { BUILT_IN_PRICES, estimateCostUsd } from '../../src/model/prices.js';
import { sqliteOnly } from '../helpers/backend.js';
import { logEntries, runCli, startDaemon, waitFor, writeConfig, type RunningDaemon } from '../helpers/home.js';
import { agentClientEnv, makeAgentHome, makeRepos, REPO, runApprovedTask, useAgentFakes, type Repos } from './fixture.js';

// The agent's model calls go through src/model: each one is in the usage ledger as
// `agent`, and `vigil status` shows the day's agent tokens and their estimated cost
// beside the decisions'. The real Anthropic SDK against the fake Messages API.

const fakes = useAgentFakes({ model: true });
let repos: Repos;

beforeEach(() => {
  repos = makeRepos();
});
let daemon: RunningDaemon | undefined;
afterEach(async () => {
  if (daemon && daemon.proc.exitCode === null) daemon.proc.kill('SIGKILL');
  await daemon?.exited;
  daemon = undefined;
  fs.rmSync(repos.root, { recursive: true, force: true });
});

it.skipIf(sqliteOnly('runs the SQLite worker’s ActionRunner in this process on vigil.db; a node’s worker is the daemon test below'))('vigil status shows an agent task’s input/output tokens and estimated cost, as purpose "agent"', async () => {
  const home = makeAgentHome(repos, {}, { github: fakes.github.url, anthropic: fakes.model.url });
  fakes.model.push({ tool: 'read_file', decide: { path: 'add.mjs' } }, { text: 'nothing to change' });
  const action = await runApprovedTask(home, { repo: REPO, instructions: 'look at add.mjs' });
  expect(action.state, JSON.stringify(action)).toBe('succeeded');
  expect(fakes.model.calls).toHaveLength(2);

  const spent = fakes.model.calls.reduce(
    (sum, call) => ({
      inputTokens: sum.inputTokens + call.usage!.input_tokens,
      outputTokens: sum.outputTokens + call.usage!.output_tokens,
      cacheCreationTokens: sum.cacheCreationTokens + call.usage!.cache_creation_input_tokens,
      cacheReadTokens: sum.cacheReadTokens + call.usage!.cache_read_input_tokens,
    }),
    { inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0 },
  );
  expect(spent.inputTokens).toBeGreaterThan(0);
  expect(spent.outputTokens).toBeGreaterThan(0);
  const cost = Math.round(estimateCostUsd(spent, BUILT_IN_PRICES['claude-sonnet-4-6']!, '5m') * 10_000) / 10_000;
  expect(cost).toBeGreaterThan(0);

  // No daemon runs: the report comes from the store, and the command exits 69 (not running).
  const status = runCli(home, ['status', '--json']);
  expect(status.status, status.stderr).toBe(69);
  const today = (JSON.parse(status.stdout) as { model: { today: Record<string, unknown> } }).model.today;
  expect(today.purposes).toEqual([{ purpose: 'agent', calls: 2, ...spent, estimatedCostUsd: cost }]);
  expect(today.models).toEqual([{ model: 'claude-sonnet-4-6', calls: 2, ...spent, estimatedCostUsd: cost }]);
  expect(today).toMatchObject({ calls: 2, estimatedCostUsd: cost });

  // The readable summary carries the same figures.
  const plain = runCli(home, ['status']);
  expect(plain.status, plain.stderr).toBe(69);
  expect(plain.stdout).toContain(`agent: 2 calls, ${spent.inputTokens} in / ${spent.outputTokens} out tokens, ≈ $`);
});

it('through the daemon: the worker process records the agent’s tokens, and the running daemon’s status shows them', { timeout: 60_000 }, async () => {
  const home = makeAgentHome(repos, {}, { github: fakes.github.url, anthropic: fakes.model.url });
  // Decisions stay offline (rules); only the agent task talks to the model.
  writeConfig(home, {
    repos: [{ name: REPO, path: repos.clone }],
    rules: [{ on: 'tick', propose: { action: 'agent.task', params: { repo: REPO, instructions: 'look at add.mjs' } } }],
  });
  fakes.model.push({ tool: 'read_file', decide: { path: 'add.mjs' } }, { text: 'nothing to change' });
  daemon = await startDaemon(home, agentClientEnv());
  expect(runCli(home, ['tick']).status).toBe(0);
  const asked = await waitFor(() => logEntries(home).find((e) => e.type === 'approval.requested' && e.action === 'agent.task'), 10_000, 'the approval');
  const approve = runCli(home, ['approve', String(asked.actionId)]);
  expect(approve.status, approve.stderr).toBe(0);
  // The agent's calls first, polled in this process: on PostgreSQL each read of the log is a
  // psql run that holds this process, and the fake Messages API in it.
  await waitFor(() => fakes.model.calls.length >= 2, 20_000, 'the agent’s two calls');
  const done = await waitFor(
    () => logEntries(home).find((e) => (e.type === 'action.succeeded' || e.type === 'action.failed') && e.actionId === asked.actionId),
    20_000,
    'the task to end',
  );
  expect(done.type, JSON.stringify(done)).toBe('action.succeeded');
  expect(fakes.model.calls).toHaveLength(2);

  const status = runCli(home, ['status', '--json']);
  expect(status.status, status.stderr).toBe(0);
  const report = JSON.parse(status.stdout) as { daemon?: unknown; model: { today: { purposes: Array<Record<string, unknown>> } } };
  const agent = report.model.today.purposes.find((p) => p['purpose'] === 'agent');
  expect(agent, status.stdout).toMatchObject({ calls: 2 });
  expect(agent!['inputTokens']).toBeGreaterThan(0);
  expect(agent!['estimatedCostUsd']).toBeGreaterThan(0);
});

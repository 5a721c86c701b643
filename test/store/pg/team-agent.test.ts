/**
 * `agent.task` on a team (issue 19), as real processes on a real cluster: nodes' workers
 * run an allowed agent task in a worktree of their own node's clone (an `agent.command`
 * stub, sandboxed with bwrap as on a home), push to the bare remote both clones share,
 * and open one draft pull request on a fake pulls API (the real Octokit). A node without a
 * clone of the repository never claims the task. A node SIGKILLed while its agent works
 * leaves the task to another node, which runs it again: one pull request, one
 * `agent.finished`. A node SIGKILLed after its push and before its pull request leaves
 * the branch: the taker does not run the agent again and opens the pull request from it.
 * `vigil cancel ID` on a team's home stops the task on whichever node runs it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FakePulls, git, makeRepos, ownerState, REPO, TOKEN, type Repos } from '../../agent/fixture.js';
import { FakeAnthropic } from '../../fakes/fake-anthropic.mjs';
import { makeHome, runCliAsync, sleep, startDaemon, type RunningDaemon } from '../../helpers/home.js';
import { postgresAvailability, useFreshDatabase, usePostgres } from '../../helpers/postgres.js';
import { postDelivery, webhookSecret } from '../../helpers/webhooks.js';
import { childrenOf, issueOpened, useTeamProcesses, waitFor } from './team-helpers.js';

const PG = postgresAvailability();
const STUB = path.join(path.dirname(fileURLToPath(import.meta.url)), 'team-agent-stub.mjs');
const LEASE = 5;

/** An opened issue asks for an agent task on the repository; the owner's permissions allow it. */
const RULES = [{ name: 'fix', on: 'github.issues.opened', propose: { action: 'agent.task', params: { repo: REPO, instructions: 'fix add so check.mjs passes (#{{payload.issue.number}})' } } }];
/** And a notice about it, an action of the main lane (to nobody: no channel is configured). */
const NOTIFY = { name: 'tell', on: 'github.issues.opened', propose: { action: 'notify', params: { title: 'opened #{{payload.issue.number}}', body: 'x' } } };
const PERMISSIONS = { mode: 'auto', rules: [{ action: 'agent.task', repo: 'octo/*', decision: 'allow' }] };

interface Node {
  name: string;
  home: string;
  daemon: RunningDaemon;
}

describe.runIf(PG.available)('agent.task on a team (real processes, real cluster, bare remote, fake pulls API)', () => {
  const cluster = usePostgres('team_agent');
  const db = useFreshDatabase(cluster, 'agent');
  const { daemons, stops } = useTeamProcesses();

  /** The remote and a first clone (makeRepos: the owner's work in progress in it), with a fake pulls API. */
  const world = async () => {
    const repos = makeRepos();
    const pulls = await new FakePulls().start();
    stops.push(async () => {
      await pulls.stop();
      fs.rmSync(repos.root, { recursive: true, force: true });
    });
    return { repos, pulls };
  };
  /** Another machine's clone of the same remote. */
  const cloneOf = (repos: Repos, name: string) => {
    const dir = path.join(repos.root, name);
    git(repos.root, 'clone', '--quiet', repos.remote, dir);
    return dir;
  };
  /**
   * A node; `clone` undefined: its config names the repository without a local clone.
   * `agent`: the stub's seconds of work (`agent.command`), or the `agent` config itself.
   */
  const start = async (name: string, pulls: FakePulls, clone: string | undefined, agent: number | Record<string, unknown>, env: NodeJS.ProcessEnv = {}, rules: unknown[] = RULES): Promise<Node> => {
    const home = makeHome({
      store: { url: db.url, leaseSeconds: LEASE },
      rules,
      permissions: PERMISSIONS,
      repos: [{ name: REPO, ...(clone ? { path: clone } : {}) }],
      agent: typeof agent === 'number' ? { command: [process.execPath, STUB, String(agent)] } : agent,
    });
    const daemon = await startDaemon(home, { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: pulls.url, ...env }, 60_000, ['--node', name]);
    daemons.push(daemon);
    return { name, home, daemon };
  };
  const deliver = async (node: Node, n: number) => {
    const answer = await postDelivery(node.daemon.url, webhookSecret(node.home), issueOpened(n), { event: 'issues', deliveryId: crypto.randomUUID() });
    expect(answer.status).toBe(202);
  };
  const task = async () => (await db.sql<{ id: string; state: string; claimed_by: string | null; attempts: number; error: string | null; result: string | null }>(
    `SELECT id, state, claimed_by, attempts, error, result FROM actions WHERE action = 'agent.task'`,
  )).rows;
  const waitForState = (state: string, what: string, timeoutMs = 60_000) => waitFor(async () => (await task())[0]?.state === state, what, timeoutMs, 200);
  const lines = async (type: string) => (await db.sql<{ node: string; line: string }>('SELECT node, line FROM log_entries WHERE type = $1 ORDER BY ts, node, seq', [type])).rows;
  const worktrees = (node: Node) => {
    const dir = path.join(node.home, 'agent', 'worktrees');
    return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  };
  const transcript = (node: Node, id: string) =>
    fs.readFileSync(path.join(node.home, 'agent', `${id}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { role: string });
  /** The stub agents running now (their command line names the stub), from /proc. */
  const agents = () =>
    fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
      try {
        return fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').includes(STUB);
      } catch {
        return false;
      }
    });
  /** alpha's agent at work: its stub process runs (the sandbox is set up around it by then). */
  const agentWorking = (alpha: Node) =>
    waitFor(async () => (await task())[0]?.state === 'running' && worktrees(alpha).length === 1 && agents().length > 0, 'alpha\'s agent to start', 60_000, 200);
  /** SIGKILL a node with its worker (a host lost): nobody records what it was doing. */
  const killNode = async (node: Node) => {
    for (const pid of childrenOf(node.daemon.pid)) process.kill(pid, 'SIGKILL');
    node.daemon.proc.kill('SIGKILL');
    await node.daemon.exited;
  };

  it('a node without a clone of the repository never claims the task; a node with one runs it once: branch pushed, one draft pull request, agent.finished on its chain', async () => {
    const { repos, pulls } = await world();
    const before = ownerState(repos.clone);
    const gamma = await start('gamma', pulls, undefined, 0);
    await deliver(gamma, 7);
    await waitForState('approved', 'the task to be allowed');
    // gamma's worker looks every second: several looks, and the task is still waiting for a node that can run it.
    await sleep(3500);
    expect(await task()).toEqual([expect.objectContaining({ state: 'approved', claimed_by: null, attempts: 0 })]);

    const alpha = await start('alpha', pulls, repos.clone, 0);
    await waitFor(async () => ['succeeded', 'failed'].includes((await task())[0]!.state), 'alpha to run the task', 60_000, 200);
    const [done] = await task();
    expect(done!.error).toBeNull();
    expect(done).toMatchObject({ state: 'succeeded', attempts: 1 });
    const branch = `vigil/${done!.id}`;
    expect(git(repos.remote, 'show', `${branch}:add.mjs`)).toContain('return a + b');
    expect(git(repos.remote, 'log', '-1', '--format=%B', branch)).toContain('Co-authored-by: vigil');
    expect(pulls.pulls).toHaveLength(1);
    expect(pulls.pulls[0]).toMatchObject({ draft: true, head: branch, base: 'main' });
    expect(pulls.pulls[0]!.body).toContain(`<!-- vigil:action:${done!.id} -->`);
    expect(pulls.pulls[0]!.body).toContain('fixed add.mjs: it subtracted (as asked)');
    expect(JSON.parse(done!.result!)).toMatchObject({ changed: true, files: ['add.mjs'], pullRequest: { url: pulls.pulls[0]!.html_url, reused: false } });

    const started = await lines('action.started');
    expect(started.map((l) => l.node)).toEqual(['alpha']);
    expect((await lines('agent.started')).map((l) => l.node)).toEqual(['alpha']);
    const finished = await lines('agent.finished');
    expect(finished.map((l) => [l.node, JSON.parse(l.line).pullRequest])).toEqual([['alpha', pulls.pulls[0]!.html_url]]);
    // The agent ran in alpha's worktree, under alpha's home; its transcript stays there, the worktree does not.
    expect(JSON.stringify(transcript(alpha, done!.id))).toContain(`team stub agent in ${path.join(fs.realpathSync(alpha.home), 'agent', 'worktrees', done!.id)}`);
    expect(worktrees(alpha)).toEqual([]);
    expect(git(repos.clone, 'branch', '--list', 'vigil/*')).toBe('');
    expect(ownerState(repos.clone)).toBe(before);
  }, 180_000);

  it('the node whose agent works is SIGKILLed: another node runs the task again and finishes it — one pull request, one agent.finished', async () => {
    const { repos, pulls } = await world();
    // alpha's agent works for ten minutes: the kill lands while it works.
    const alpha = await start('alpha', pulls, repos.clone, 600);
    await deliver(alpha, 7);
    await agentWorking(alpha);
    const [running] = await task();
    expect(running!.claimed_by).toMatch(/^alpha:w\d+$/);
    await killNode(alpha);
    // The sandbox dies with its worker (bwrap --die-with-parent): no agent of a dead node works on.
    await waitFor(() => agents().length === 0, 'alpha\'s agent to die with its worker', 10_000);

    const beta = await start('beta', pulls, cloneOf(repos, 'beta-clone'), 0);
    await waitForState('succeeded', 'beta to take the task over');
    const [done] = await task();
    expect(done).toMatchObject({ id: running!.id, attempts: 2 });
    expect(pulls.pulls).toHaveLength(1);
    expect(pulls.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(git(repos.remote, 'show', `vigil/${done!.id}:add.mjs`)).toContain('return a + b');
    expect((await lines('action.started')).map((l) => [l.node, JSON.parse(l.line).attempt])).toEqual([['alpha', 1], ['beta', 2]]);
    expect((await lines('agent.finished')).map((l) => l.node)).toEqual(['beta']);
    // beta's own run: its agent worked in its worktree (nothing was pushed before it).
    expect(transcript(beta, done!.id).map((e) => e.role)).toContain('agent-output');
    expect(worktrees(beta)).toEqual([]);
  }, 180_000);

  it('the node is SIGKILLed after its push, before its pull request: the taker finds the branch, does not run the agent again, and opens the one pull request from it', async () => {
    const { repos, pulls } = await world();
    const alpha = await start('alpha', pulls, repos.clone, 0, { VIGIL_FAILPOINTS: 'agent.after_push=60000' });
    await deliver(alpha, 7);
    const pushed = () => git(repos.remote, 'branch', '--list', 'vigil/*').trim();
    await waitFor(() => pushed() !== '', 'alpha to push its branch', 60_000, 200);
    const [running] = await task();
    const commit = git(repos.remote, 'rev-parse', `vigil/${running!.id}`).trim();
    await killNode(alpha);
    expect(pulls.pulls).toHaveLength(0);

    const beta = await start('beta', pulls, cloneOf(repos, 'beta-clone'), 0);
    await waitForState('succeeded', 'beta to take the task over');
    const [done] = await task();
    expect(done).toMatchObject({ id: running!.id, attempts: 2 });
    expect(pulls.pulls).toHaveLength(1);
    expect(pulls.pulls[0]).toMatchObject({ draft: true, head: `vigil/${done!.id}`, base: 'main' });
    // What alpha's agent said, kept in the action's mark before its push.
    expect(pulls.pulls[0]!.body).toContain('fixed add.mjs: it subtracted (as asked)');
    expect(JSON.parse(done!.result!)).toMatchObject({ changed: true, commit, files: ['add.mjs'], pullRequest: { url: pulls.pulls[0]!.html_url, reused: false } });
    // The branch is alpha's push, untouched; beta ran no agent and made no worktree.
    expect(git(repos.remote, 'rev-parse', `vigil/${done!.id}`).trim()).toBe(commit);
    const roles = transcript(beta, done!.id).map((e) => e.role);
    expect(roles).toContain('resumed');
    expect(roles).not.toContain('agent-output');
    expect(worktrees(beta)).toEqual([]);
    expect((await lines('agent.started')).map((l) => l.node)).toEqual(['alpha']);
    expect((await lines('agent.finished')).map((l) => l.node)).toEqual(['beta']);
  }, 180_000);

  it('vigil cancel ID on a team\'s home stops the task on the node running it: the action fails "cancelled", its worktree is removed, nothing is pushed', async () => {
    const { repos, pulls } = await world();
    const before = ownerState(repos.clone);
    const alpha = await start('alpha', pulls, repos.clone, 600, {}, [...RULES, NOTIFY]);
    await deliver(alpha, 7);
    await agentWorking(alpha);
    const [running] = await task();
    // The task runs in the agent lane: the main lane carries the notice out meanwhile, as on a home.
    await waitFor(async () => (await db.sql(`SELECT 1 FROM actions WHERE action = 'notify' AND state = 'succeeded'`)).rowCount === 1, 'the notify beside the task', 20_000, 200);
    expect((await task())[0]!.state).toBe('running');

    // From another home of the team (no node runs there): straight to the database.
    const cli = makeHome({ store: { url: db.url } });
    const cancel = await runCliAsync(cli, ['cancel', running!.id]);
    expect(cancel.stderr).toBe('');
    expect(cancel.stdout).toContain(`${running!.id}: cancelling`);
    await waitForState('failed', 'the task to stop', 30_000);
    const [done] = await task();
    expect(done!.error).toBe('cancelled by the owner (vigil cancel)');
    expect(agents()).toEqual([]);
    expect(worktrees(alpha)).toEqual([]);
    expect(git(repos.clone, 'branch', '--list', 'vigil/*')).toBe('');
    expect(git(repos.remote, 'branch', '--list', 'vigil/*')).toBe('');
    expect(pulls.pulls).toHaveLength(0);
    expect(ownerState(repos.clone)).toBe(before);
    expect((await lines('agent.cancel_requested')).map((l) => [l.node, JSON.parse(l.line).actionId])).toEqual([[expect.any(String), running!.id]]);
    // The flag went with the task.
    expect((await db.sql('SELECT 1 FROM actions WHERE id = $1 AND cancel_requested_at IS NULL', [running!.id])).rowCount).toBe(1);

    // A task that ended cannot be cancelled; an action that is no agent task, or none, neither.
    const again = await runCliAsync(cli, ['cancel', running!.id]);
    expect(again.status).not.toBe(0);
    expect(again.stderr).toContain('is failed, not running');
    const none = await runCliAsync(cli, ['cancel', 'no-such-action']);
    expect(none.status).not.toBe(0);
    expect(none.stderr).toContain('no action no-such-action');
  }, 180_000);

  it('the built-in agent on a node: its model calls go through src/model into the team\'s ledger under the node\'s name; the secrets the worker holds never reach the model', async () => {
    const { repos, pulls } = await world();
    const model = new FakeAnthropic({ apiKey: 'sk-ant-test' });
    await model.start();
    stops.push(() => model.stop());
    model.push(
      { tool: 'edit', decide: { path: 'add.mjs', old_string: 'a - b', new_string: 'a + b' } },
      { text: 'add() subtracted; it adds now.' },
    );
    const alpha = await start('alpha', pulls, repos.clone, {}, { ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: model.url });
    await deliver(alpha, 7);
    await waitFor(async () => ['succeeded', 'failed'].includes((await task())[0]?.state ?? ''), 'alpha to run the task', 60_000, 200);
    const [done] = await task();
    expect(done!.error).toBeNull();
    expect(pulls.pulls).toHaveLength(1);
    expect(pulls.pulls[0]!.body).toContain('add() subtracted; it adds now.');
    expect(git(repos.remote, 'show', `vigil/${done!.id}:add.mjs`)).toContain('return a + b');
    expect(model.calls).toHaveLength(2);
    const usage = (await db.sql<{ node: string; purpose: string; calls: number }>(`SELECT node, purpose, count(*)::int AS calls FROM model_usage GROUP BY 1, 2 ORDER BY 1, 2`)).rows;
    expect(usage).toEqual([{ node: 'alpha', purpose: 'agent', calls: 2 }]);
    const sent = model.requests.map((r) => r.raw).join('\n');
    expect(sent).not.toContain(TOKEN);
    expect((await lines('agent.finished')).map((l) => l.node)).toEqual(['alpha']);
  }, 180_000);
});

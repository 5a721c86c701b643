import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, loadSecrets } from '../../src/config/index.js';
import { homePaths } from '../../src/home/index.js';
import { buildNotifier } from '../../src/notify/index.js';
import { systemClock } from '../../src/clock.js';
import { ActionRunner } from '../../src/exec/runner.js';
import type { GithubSession } from '../../src/github-api/index.js';
import { answerApproval } from '../../src/initiative/index.js';
import { circuitFor } from '../../src/model/index.js';
import { PolicyGate } from '../../src/policy/index.js';
import { Store, type ActionRecord } from '../../src/store/index.js';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { FakeAnthropic } from '../fakes/fake-anthropic.mjs';
import { makeHome, removeHomes } from '../helpers/home.js';

export const REPO = 'octo/app';
export const TOKEN = 'ghp_agenttesttoken';
export const TEST_COMMAND = 'node check.mjs';

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
}

export interface Repos {
  root: string;
  remote: string;
  clone: string;
  /** A folder next to the clone that nothing may reach through the agent. */
  outside: string;
}

/**
 * A bare remote and the owner's clone of it: `add.mjs` subtracts, so `node check.mjs`
 * fails. The owner has work in progress (a modified and an untracked file) that no
 * test may disturb, and the repo holds a symlink `escape` pointing outside it.
 */
export function makeRepos(): Repos {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-agent-'));
  const remote = path.join(root, 'remote.git');
  const clone = path.join(root, 'clone');
  const outside = path.join(root, 'outside');
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'not for the agent\n');
  git(root, 'init', '--quiet', '--bare', '--initial-branch=main', remote);
  git(root, 'init', '--quiet', '--initial-branch=main', clone);
  git(clone, 'config', 'user.name', 'Owner');
  git(clone, 'config', 'user.email', 'owner@example.com');
  fs.writeFileSync(path.join(clone, 'add.mjs'), 'export function add(a, b) {\n  return a - b;\n}\n');
  fs.writeFileSync(
    path.join(clone, 'check.mjs'),
    "import { add } from './add.mjs';\nif (add(2, 2) !== 4) { console.error('FAIL add(2, 2) = ' + add(2, 2)); process.exit(1); }\nconsole.log('ok');\n",
  );
  fs.writeFileSync(path.join(clone, 'notes.md'), 'owner notes\n');
  fs.symlinkSync(outside, path.join(clone, 'escape'));
  git(clone, 'add', '--all');
  git(clone, 'commit', '--quiet', '-m', 'initial');
  git(clone, 'remote', 'add', 'origin', remote);
  git(clone, 'push', '--quiet', '-u', 'origin', 'main');
  // The owner's work in progress.
  fs.appendFileSync(path.join(clone, 'notes.md'), 'half-written thought\n');
  fs.writeFileSync(path.join(clone, 'scratch.txt'), 'untracked\n');
  return { root, remote, clone, outside };
}

/** Everything about the owner's working tree that a task must leave as it was. */
export function ownerState(clone: string): string {
  return [
    git(clone, 'status', '--porcelain=v1', '--untracked-files=all', '--branch'),
    git(clone, 'rev-parse', 'HEAD'),
    git(clone, 'diff'),
    fs.readFileSync(path.join(clone, 'add.mjs'), 'utf8'),
  ].join('\n--\n');
}

export interface PullRequest {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  draft: boolean;
  html_url: string;
}

/** The pull-request endpoints of GitHub's REST API, for the real Octokit (list with a head filter, create). */
export class FakePulls {
  readonly pulls: PullRequest[] = [];
  readonly requests: { method: string; path: string; authorization?: string }[] = [];
  private server: http.Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x');
        this.requests.push({ method: req.method ?? '', path: url.pathname, authorization: req.headers.authorization });
        const send = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        if (req.headers.authorization !== `token ${TOKEN}`) return send(401, { message: 'Bad credentials' });
        const m = url.pathname.match(/^\/repos\/([^/]+)\/([^/]+)\/pulls$/);
        if (!m) return send(404, { message: 'Not Found' });
        if (req.method === 'GET') {
          const head = url.searchParams.get('head');
          return send(200, this.pulls.filter((p) => !head || `${m[1]}:${p.head}` === head).map((p) => ({ ...p, head: { ref: p.head }, base: { ref: p.base } })));
        }
        const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Omit<PullRequest, 'number' | 'html_url'>;
        const number = this.pulls.length + 1;
        const pull = { ...input, draft: Boolean(input.draft), number, html_url: `https://github.test/${m[1]}/${m[2]}/pull/${number}` };
        this.pulls.push(pull);
        return send(201, { ...pull, head: { ref: pull.head }, base: { ref: pull.base } });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

/**
 * A vigil home whose config names the clone; the process env points the clients at the
 * fakes, without Octokit's spacing of writes (the fake has no rate rule).
 */
export function makeAgentHome(repos: Repos, agent: Record<string, unknown>, urls: { github: string; anthropic?: string }): string {
  const home = makeHome({ repos: [{ name: REPO, path: repos.clone }], agent });
  process.env.VIGIL_HOME = home;
  process.env.GITHUB_API_URL = urls.github;
  process.env.VIGIL_GITHUB_THROTTLE = 'off';
  process.env.GITHUB_TOKEN = TOKEN;
  process.env.ANTHROPIC_API_KEY = 'sk-ant-test';
  if (urls.anthropic) process.env.ANTHROPIC_BASE_URL = urls.anthropic;
  return home;
}

/** The clients' settings makeAgentHome gave this process, for a daemon started beside it (cliEnv passes none of its own). */
export function agentClientEnv(): NodeJS.ProcessEnv {
  const { GITHUB_API_URL, GITHUB_TOKEN, ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL } = process.env;
  return { GITHUB_API_URL, GITHUB_TOKEN, ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL };
}

/** What the worker printed (stdout of the service). */
export const printed: string[] = [];

/** Proposes, approves (as the owner on the CLI) and runs one agent.task through the real ActionRunner. */
export async function runApprovedTask(home: string, params: Record<string, unknown>, onStart?: (id: string) => void): Promise<ActionRecord> {
  const paths = homePaths(home);
  const store = Store.open(paths.db);
  try {
    const now = systemClock.now();
    const proposed = store.actions.insert({ action: 'agent.task', params, rationale: 'test', repo: REPO, verdict: 'ask', reason: 'default' }, 'awaiting_approval', now);
    answerApproval(store, proposed.id, 'approve', 'cli', now);
    const runner = new ActionRunner({
      store,
      gate: new PolicyGate(loadConfig(paths.config).permissions),
      clock: systemClock,
      memoryDir: paths.memory,
      config: loadConfig(paths.config),
      notifier: () => {
        const secrets = loadSecrets(paths.secrets);
        return { notifier: buildNotifier({ config: loadConfig(paths.config), secrets, store, clock: systemClock }), capabilityKey: secrets.capabilityKey };
      },
      modelCalls: { recorder: store.usage, circuit: circuitFor(loadConfig(paths.config).model) },
      github: () => Promise.reject(new Error('agent.task opens its own GitHub client')) as Promise<GithubSession>,
      flush: () => {},
      print: (line) => printed.push(line),
    });
    onStart?.(proposed.id);
    await runner.runNext();
    return store.actions.get(proposed.id)!;
  } finally {
    store.close();
  }
}

/** Log records staged by the task (they reach the daily log through the daemon). */
export function staged(home: string, type: string): Record<string, unknown>[] {
  const store = Store.open(homePaths(home).db);
  try {
    return store.outbox.pending(10_000).map((row) => row.record).filter((record) => record.type === type);
  } finally {
    store.close();
  }
}

export function worktreesLeft(home: string, clone: string): { dirs: string[]; worktrees: string; branches: string } {
  const dir = path.join(home, 'agent', 'worktrees');
  return {
    dirs: fs.existsSync(dir) ? fs.readdirSync(dir) : [],
    worktrees: git(clone, 'worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree ')).join('\n'),
    branches: git(clone, 'branch', '--list', 'vigil/*'),
  };
}

/**
 * The fakes an agent test file talks to — a fake GitHub for pull requests always, a fake
 * Messages API for the built-in agent when asked — started once for the file, emptied
 * before each test, stopped after it (and the test homes removed).
 */
export function useAgentFakes(options: { model?: boolean } = {}): { readonly model: FakeAnthropic; readonly github: FakePulls } {
  let model: FakeAnthropic | undefined;
  let github: FakePulls | undefined;
  beforeAll(async () => {
    if (options.model) {
      model = new FakeAnthropic({ apiKey: 'sk-ant-test' });
      await model.start();
    }
    github = await new FakePulls().start();
  });
  afterAll(async () => {
    await model?.stop();
    await github?.stop();
    removeHomes();
  });
  beforeEach(() => {
    if (model) {
      model.script.length = 0;
      model.requests.length = 0;
    }
    github!.requests.length = 0;
    github!.pulls.length = 0;
  });
  return {
    get model() {
      if (!model) throw new Error('useAgentFakes({ model: true }) starts the fake Messages API');
      return model;
    },
    get github() {
      return github!;
    },
  };
}

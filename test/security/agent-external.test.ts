import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useAgentFakes, git, makeAgentHome, makeRepos, REPO, runApprovedTask, staged, type Repos } from '../agent/fixture.js';

// Issue 12: the external agent (agent.command) inherited vigil's secrets. The stub in
// test/agent reports its whole environment and what it could read into report.json in
// the worktree; vigil commits and pushes it, so the test reads it from the remote as
// the agent saw it (the transcript would be redacted and prove nothing).

const STUBS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'agent');
const REPORTER = [process.execPath, path.join(STUBS, 'stub-env.mjs')];
const NETWORK = [process.execPath, path.join(STUBS, 'stub-net.mjs')];
const PEM = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCcanary\n-----END PRIVATE KEY-----';
const SECRET_ENV = {
  GITHUB_APP_ID: '12345',
  GITHUB_APP_PRIVATE_KEY: PEM,
  GITHUB_WEBHOOK_SECRET: 'whsec-canary-0123456789',
  OPENAI_API_KEY: 'sk-openai-canary-0123456789',
  VIGIL_CANARY: 'vigil-canary-0123456789',
};

const fakes = useAgentFakes();
let repos: Repos;
let fakeHome: string;
const saved: Record<string, string | undefined> = {};

beforeEach(() => {
  repos = makeRepos();
  fakeHome = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-owner-home-'));
  fs.mkdirSync(path.join(fakeHome, '.ssh'));
  fs.writeFileSync(path.join(fakeHome, '.ssh', 'id_ed25519'), 'ownerkeycanary');
  fs.mkdirSync(path.join(fakeHome, '.agent-login'));
  fs.writeFileSync(path.join(fakeHome, '.agent-login', 'credentials'), 'the agent\'s own login');
  for (const key of ['HOME', ...Object.keys(SECRET_ENV), 'INNOCENT_NAME']) saved[key] = process.env[key];
  process.env.HOME = fakeHome;
});
afterEach(() => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  fs.rmSync(repos.root, { recursive: true, force: true });
  fs.rmSync(fakeHome, { recursive: true, force: true });
});

describe('the external agent', () => {
  it('gets none of vigil\'s secrets in its environment, sees its allowPaths, and not the vigil home or ~/.ssh', async () => {
    const home = makeAgentHome(repos, { command: REPORTER, allowPaths: ['~/.agent-login'] }, { github: fakes.github.url });
    Object.assign(process.env, SECRET_ENV);
    const file = JSON.parse(fs.readFileSync(path.join(home, 'secrets.json'), 'utf8')) as { dashboardToken: string; webhookSecret: string };
    // A secrets.json value under a name no prefix rule knows.
    process.env.INNOCENT_NAME = file.dashboardToken;
    const targets = { secrets: path.join(home, 'secrets.json'), ssh: path.join(fakeHome, '.ssh', 'id_ed25519'), login: path.join(fakeHome, '.agent-login', 'credentials') };
    const action = await runApprovedTask(home, { repo: REPO, instructions: `report read=${targets.secrets} read=${targets.ssh} read=${targets.login}` });
    expect(action.error).toBeNull();
    const report = JSON.parse(git(repos.remote, 'show', `vigil/${action.id}:report.json`)) as { env: Record<string, string>; reads: Record<string, string> };

    const names = Object.keys(report.env);
    expect(names.filter((k) => /^(GITHUB_|GH_|ANTHROPIC_|OPENAI_|VIGIL_)/.test(k))).toEqual([]);
    expect(names).not.toContain('INNOCENT_NAME');
    const everything = JSON.stringify(report);
    for (const secret of [PEM, SECRET_ENV.GITHUB_WEBHOOK_SECRET, SECRET_ENV.OPENAI_API_KEY, SECRET_ENV.VIGIL_CANARY, 'ghp_agenttesttoken', 'sk-ant-test', file.dashboardToken, file.webhookSecret, 'ownerkeycanary']) {
      expect(everything, secret).not.toContain(secret);
    }
    expect(report.env.PATH).toBe(process.env.PATH);
    expect(report.reads).toEqual({
      [targets.secrets]: 'denied: ENOENT',
      [targets.ssh]: 'denied: ENOENT',
      [targets.login]: 'read: the agent\'s own login',
    });
  });
});

describe('agent.allowHosts', () => {
  it('the external agent reaches a listed host through vigil\'s filter, and nothing else: not an unlisted host, not a direct connection', async () => {
    const server = net.createServer((socket) => socket.end('hello from the listed host\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const home = makeAgentHome(repos, { command: NETWORK, allowHosts: ['127.0.0.1'] }, { github: fakes.github.url });
      const action = await runApprovedTask(home, { repo: REPO, instructions: `probe port=${port}` });
      expect(action.error).toBeNull();
      const report = JSON.parse(git(repos.remote, 'show', `vigil/${action.id}:report.json`)) as Record<string, string>;
      expect(report).toEqual({ allowed: 'reached: hello from the listed host', unlisted: 'refused 403', direct: expect.stringMatching(/^failed: /) });
      expect(staged(home, 'agent.refused')).toEqual([expect.objectContaining({ tool: 'network', reason: `localhost:${port} is not in agent.allowHosts` })]);
      expect(fs.existsSync(path.join(home, 'agent', 'proxy', action.id))).toBe(false);
    } finally {
      server.close();
    }
  });
});

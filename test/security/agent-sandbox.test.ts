import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { containCommand, containExternal, containment, type Containment } from '../../src/agent/contain.js';
import { Refusal } from '../../src/agent/confine.js';
import { detectSandbox } from '../../src/agent/sandbox.js';
import { makeHome, runCli } from '../helpers/home.js';
import { useAgentFakes, makeAgentHome, makeRepos, ownerState, REPO, runApprovedTask, type Repos } from '../agent/fixture.js';

// Issue 12: an allowed command runs the repo's own code, which the agent may have
// written. `npm test` is allowed; the agent rewrites package.json so that the test
// script reads vigil's secrets and the owner's SSH key, writes outside the worktree and
// opens sockets. Real bubblewrap, real npm, the real task path.

const fakes = useAgentFakes({ model: true });
let repos: Repos;
let before: string;
let fakeHome: string;
const realHome = process.env.HOME;

beforeEach(() => {
  repos = makeRepos();
  before = ownerState(repos.clone);
  // The owner's home for this test: an SSH key the agent must not read.
  fakeHome = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-owner-home-'));
  fs.mkdirSync(path.join(fakeHome, '.ssh'), { mode: 0o700 });
  fs.writeFileSync(path.join(fakeHome, '.ssh', 'id_ed25519'), '-----BEGIN OPENSSH PRIVATE KEY-----\nownerkeycanary\n');
  process.env.HOME = fakeHome;
});
afterEach(() => {
  process.env.HOME = realHome;
  expect(ownerState(repos.clone)).toBe(before);
  fs.rmSync(repos.root, { recursive: true, force: true });
  fs.rmSync(fakeHome, { recursive: true, force: true });
});

const tool = (name: string, input: Record<string, unknown>) => ({ tool: name, decide: input });

function probeSource(targets: Record<string, string>, port: number): string {
  return `import fs from 'node:fs';
import net from 'node:net';
const t = ${JSON.stringify(targets)};
const r = {};
const attempt = (name, fn) => { try { r[name] = 'succeeded: ' + String(fn()).slice(0, 200); } catch (e) { r[name] = 'failed: ' + (e.code ?? e.message); } };
attempt('read secrets.json', () => fs.readFileSync(t.secrets, 'utf8'));
attempt('read ~/.ssh key', () => fs.readFileSync(t.sshKey, 'utf8'));
attempt('list vigil home', () => fs.readdirSync(t.home).join(','));
attempt('read the clone config', () => fs.readFileSync(t.cloneConfig, 'utf8'));
attempt('write the clone config', () => fs.appendFileSync(t.cloneConfig, '[core]\\n'));
attempt('write outside', () => fs.writeFileSync(t.outside, 'pwned'));
attempt('write the owner clone', () => fs.writeFileSync(t.clone, 'pwned'));
attempt('write home', () => fs.writeFileSync(t.homeFile, 'pwned'));
r['vigil env'] = Object.keys(process.env).filter((k) => /^(GITHUB|ANTHROPIC|OPENAI|VIGIL)_/.test(k)).join(',') || 'none';
const socket = new Promise((resolve) => {
  const s = net.connect(${port}, '127.0.0.1');
  s.on('connect', () => { s.destroy(); resolve('succeeded'); });
  s.on('error', (e) => resolve('failed: ' + e.code));
  setTimeout(() => { s.destroy(); resolve('failed: timeout'); }, 3000);
});
r['open a socket'] = await socket;
r['fetch'] = await fetch('http://127.0.0.1:${port}/exfil').then(() => 'succeeded', (e) => 'failed: ' + (e.cause?.code ?? e.message));
console.log(JSON.stringify(r));
`;
}

describe('an allowed npm test whose script the agent rewrote', () => {
  it('cannot read secrets.json or ~/.ssh, write outside the worktree, or open a socket (bubblewrap)', async () => {
    expect(detectSandbox()).toMatchObject({ kind: 'bwrap' });
    const home = makeAgentHome(repos, { allowCommands: ['npm test'] }, { github: fakes.github.url, anthropic: fakes.model.url });
    const secrets = JSON.parse(fs.readFileSync(path.join(home, 'secrets.json'), 'utf8')) as { dashboardToken: string; webhookSecret: string };
    const targets = {
      secrets: path.join(home, 'secrets.json'),
      sshKey: path.join(fakeHome, '.ssh', 'id_ed25519'),
      home,
      cloneConfig: path.join(repos.clone, '.git', 'config'),
      outside: path.join(repos.outside, 'pwned.txt'),
      clone: path.join(repos.clone, 'pwned.txt'),
      homeFile: path.join(fakeHome, 'pwned.txt'),
    };
    const port = Number(new URL(fakes.github.url).port);
    const cloneConfig = fs.readFileSync(targets.cloneConfig, 'utf8');
    fakes.model.push(
      tool('write_file', { path: 'package.json', content: JSON.stringify({ name: 'app', private: true, type: 'module', scripts: { test: 'node probe.mjs' } }) }),
      tool('write_file', { path: 'probe.mjs', content: probeSource(targets, port) }),
      tool('bash', { command: 'npm test' }),
      { text: 'probed' },
    );
    const action = await runApprovedTask(home, { repo: REPO, instructions: 'Run the tests' });
    expect(action.error).toBeNull();
    const sent = fakes.model.calls.at(-1)!.body.messages.at(-1).content[0].content as string;
    expect(sent).toMatch(/^exit code 0\n/);
    const report = JSON.parse(sent.split('\n').find((line) => line.startsWith('{'))!) as Record<string, string>;
    expect(report).toMatchObject({
      'read secrets.json': expect.stringMatching(/^failed: ENOENT/),
      'read ~/.ssh key': expect.stringMatching(/^failed: ENOENT/),
      // Only the way down to the worktree exists of vigil's home: empty folders bubblewrap made.
      'list vigil home': 'succeeded: agent',
      // git inside may read history, not the owner's settings (the config is blanked) nor change them.
      'read the clone config': 'succeeded: ',
      'write the clone config': expect.stringMatching(/^failed: (EROFS|EACCES|EPERM)/),
      'write outside': expect.stringMatching(/^failed: /),
      'vigil env': 'none',
      'open a socket': expect.stringMatching(/^failed: /),
      fetch: expect.stringMatching(/^failed: /),
    });
    // What the script wrote to its $HOME or next to the clone's git dir stayed in the sandbox's tmpfs.
    for (const file of [targets.outside, targets.clone, targets.homeFile]) expect(fs.existsSync(file), file).toBe(false);
    expect(fakes.github.requests.filter((r) => r.path === '/exfil')).toEqual([]);
    expect(sent).not.toContain(secrets.dashboardToken);
    expect(sent).not.toContain('ownerkeycanary');
    expect(fs.readFileSync(targets.cloneConfig, 'utf8')).toBe(cloneConfig);
  });
});

describe('what the sandbox binds', () => {
  it('a path among a command\'s arguments is not bound; vigil\'s home and ~/.ssh stay hidden even inside agent.allowPaths', () => {
    const key = path.join(fakeHome, '.ssh', 'id_ed25519');
    const home = path.join(fakeHome, '.vigil');
    fs.mkdirSync(home);
    const c = containment({ home, gitDir: path.join(repos.clone, '.git'), allowPaths: ['~'], unsandboxed: false, withhold: [] });
    const command = containCommand(c, repos.clone, ['node', 'check.mjs', key, path.join(home, 'secrets.json')]).argv;
    const bwrapArgs = command.slice(0, command.indexOf('--', 1));
    expect(bwrapArgs).not.toContain(key);
    expect(bwrapArgs).not.toContain(path.join(home, 'secrets.json'));
    const external = containExternal(c, repos.clone, ['claude', '-p']).argv;
    const tmpfs = external.flatMap((arg, i) => (arg === '--tmpfs' ? [external[i + 1]] : []));
    expect(external.join(' ')).toContain(`--ro-bind-try ${fakeHome} ${fakeHome}`);
    expect(tmpfs).toEqual(expect.arrayContaining([home, path.join(fakeHome, '.ssh')]));
  });
});

describe('where no sandbox can start', () => {
  const none: Containment = {
    sandbox: { kind: 'none', reason: 'bubblewrap (bwrap) is not installed' },
    unsandboxed: false,
    allowPaths: [],
    hidden: [],
    gitDir: '/nonexistent',
    withhold: ['sk-ant-withheld-value'],
  };

  it('commands and the external agent are refused, with what would allow them', () => {
    expect(() => containCommand(none, os.tmpdir(), ['npm', 'test'])).toThrow(Refusal);
    expect(() => containCommand(none, os.tmpdir(), ['npm', 'test'])).toThrow(
      'no sandbox can start here (bubblewrap (bwrap) is not installed): commands run only with agent.unsandboxed: true',
    );
    expect(() => containExternal(none, os.tmpdir(), ['claude', '-p'])).toThrow(/the external agent \(agent\.command\) run only with agent\.unsandboxed: true/);
  });

  it('with agent.unsandboxed: true they run bare, still without vigil\'s secrets in their environment', () => {
    process.env.SOME_SETTING = 'sk-ant-withheld-value';
    try {
      const run = containCommand({ ...none, unsandboxed: true }, os.tmpdir(), ['npm', 'test']);
      expect(run).toMatchObject({ argv: ['npm', 'test'], bare: true });
      expect(Object.values(run.env)).not.toContain('sk-ant-withheld-value');
      expect(Object.keys(run.env).filter((k) => /^(GITHUB|ANTHROPIC|OPENAI|VIGIL)_/.test(k))).toEqual([]);
    } finally {
      delete process.env.SOME_SETTING;
    }
  });
});

describe('vigil doctor', () => {
  const sandboxLine = (home: string) => runCli(home, ['doctor']).stdout.split('\n').find((line) => line.split(/ +/)[1] === 'sandbox') ?? '';

  it('says which sandbox is in use and what it enforces, agent.allowHosts included', () => {
    expect(sandboxLine(makeHome())).toMatch(/^ok +sandbox +bwrap \(\/\S+\/bwrap, starts in \d+ ms\): commands without network, \$HOME or secrets; the external agent keeps the network$/);
    const filtered = sandboxLine(makeHome({ agent: { command: ['claude', '-p'], allowHosts: ['api.anthropic.com'] } }));
    expect(filtered).toMatch(/^ok +sandbox +bwrap .*; the external agent reaches only agent\.allowHosts \(TLS through vigil's host filter\)$/);
  });
});

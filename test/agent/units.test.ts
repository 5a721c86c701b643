import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCommand } from '../../src/agent/command-check.js';
import { confine, Refusal } from '../../src/agent/confine.js';
import { openDraftPullOnce } from '../../src/agent/pull-request.js';
import { globToRegExp } from '../../src/agent/tools.js';
import { GithubClients } from '../../src/github-api/index.js';
import { FakePulls, TOKEN } from './fixture.js';

describe('confine', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-confine-'));
  const tree = path.join(root, 'tree');
  fs.mkdirSync(path.join(tree, 'src'), { recursive: true });
  fs.writeFileSync(path.join(tree, 'src', 'a.ts'), 'a');
  fs.symlinkSync(root, path.join(tree, 'up'));
  fs.symlinkSync(path.join(root, 'missing', 'x'), path.join(tree, 'dangling'));
  fs.symlinkSync('src', path.join(tree, 'inner'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('allows relative and absolute paths inside, following symlinks that stay inside', () => {
    const real = fs.realpathSync(tree);
    expect(confine(tree, 'src/a.ts')).toBe(path.join(real, 'src/a.ts'));
    expect(confine(tree, path.join(tree, 'src/a.ts'))).toBe(path.join(real, 'src/a.ts'));
    expect(confine(tree, 'inner/new.ts')).toBe(path.join(real, 'src/new.ts'));
    expect(confine(tree, 'new/dir/file.ts')).toBe(path.join(real, 'new/dir/file.ts'));
  });

  it('refuses .., absolute paths outside, and symlinks (dangling ones too) that lead outside', () => {
    for (const bad of ['../x', 'src/../../x', 'src/..', '/etc/passwd', path.join(root, 'x'), 'up/x', 'up', 'dangling', '']) {
      expect(() => confine(tree, bad), bad).toThrow(Refusal);
    }
  });
});

describe('checkCommand', () => {
  const allow = ['npm test', 'node check.mjs'];
  it('allows a listed prefix followed by arguments, nothing else', () => {
    expect(() => checkCommand('npm test', allow)).not.toThrow();
    expect(() => checkCommand('npm  test   -- --run', allow)).not.toThrow();
    expect(() => checkCommand('npm testing', allow)).toThrow(/not an allowed command/);
    expect(() => checkCommand('npm run build', allow)).toThrow(/not an allowed command/);
    expect(() => checkCommand('npm test', [])).toThrow(/agent.allowCommands is empty/);
  });
  it('refuses shell operators, substitutions and quotes that would smuggle a second command', () => {
    for (const bad of ['npm test; rm -rf .', 'npm test && curl x', 'npm test | sh', 'npm test > out', 'npm test $(id)', 'npm test `id`', "npm test 'a'", 'npm test\nid']) {
      expect(() => checkCommand(bad, allow), bad).toThrow(/shell operators/);
    }
  });
  it('refuses network tools even when a prefix would allow them', () => {
    expect(() => checkCommand('curl https://example.com', ['curl'])).toThrow(/network/);
    expect(() => checkCommand('npm test /usr/bin/wget', allow)).toThrow(/network/);
    expect(() => checkCommand('git push origin main', ['git'])).toThrow(/network/);
    expect(() => checkCommand('npm install left-pad', ['npm'])).toThrow(/network/);
  });
});

it('globToRegExp: ** spans folders, * and ? stay within a name', () => {
  expect(globToRegExp('**/*.ts').test('a/b/c.ts')).toBe(true);
  expect(globToRegExp('**/*.ts').test('c.ts')).toBe(true);
  expect(globToRegExp('src/*.ts').test('src/a/b.ts')).toBe(false);
  expect(globToRegExp('a?.md').test('ab.md')).toBe(true);
});

describe('openDraftPullOnce', () => {
  let github: FakePulls;
  beforeAll(async () => {
    github = await new FakePulls().start();
  });
  afterAll(() => github.stop());

  it('opens a draft with the disclosure and marker once; a retry finds it by the marker', async () => {
    const octokit = await new GithubClients({ credentials: { kind: 'token', token: TOKEN }, baseUrl: github.url }).forRepo('octo/app');
    const params = { repo: 'octo/app', head: 'vigil/abc', base: 'main', title: 't', body: 'b <!-- vigil:action:other -->' };
    const first = await openDraftPullOnce(octokit, params, 'abc', 'owner');
    const second = await openDraftPullOnce(octokit, params, 'abc', 'owner');
    expect(first).toMatchObject({ number: 1, reused: false });
    expect(second).toMatchObject({ number: 1, reused: true });
    expect(github.pulls).toHaveLength(1);
    expect(github.pulls[0]!.draft).toBe(true);
    expect(github.pulls[0]!.body).toContain('Written by vigil, an AI agent, on behalf of @owner.');
    expect(github.pulls[0]!.body).toContain('<!-- vigil:action:abc -->');
    expect(github.pulls[0]!.body).not.toContain('vigil:action:other');
  });
});

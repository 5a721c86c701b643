import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { commandEnv, externalEnv, secretsToWithhold } from '../../src/agent/env.js';

/**
 * Issue 22: agentEnv/externalEnv passing the whole environment through passed every
 * test but the slow end-to-end one. Here the real stub agent (stub-env.mjs's sibling
 * that prints its environment) runs with each env vigil builds, from a base env full of
 * canaries; what it prints must hold none of them. agent-external.test.ts does the same
 * through the whole task, sandbox included.
 */
const PRINT_ENV = path.join(path.dirname(fileURLToPath(import.meta.url)), 'stub-print-env.mjs');

const LOADED_SECRET = 'whsec-loaded-from-secrets-json-0123';
const BASE: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: '/home/owner',
  LANG: 'C.UTF-8',
  HTTPS_PROXY: 'http://proxy.example:3128',
  GITHUB_TOKEN: 'ghp_canarycanarycanary0123',
  GITHUB_API_URL: 'http://github.example',
  GH_TOKEN: 'gho_canarycanarycanary0123',
  ANTHROPIC_API_KEY: 'sk-ant-canary-0123456789',
  ANTHROPIC_BASE_URL: 'http://anthropic.example',
  OPENAI_API_KEY: 'sk-openai-canary-0123456789',
  VIGIL_HOME: '/home/owner/.vigil',
  VIGIL_CANARY: 'vigil-canary-0123456789',
  GIT_DIR: '/elsewhere/.git',
  GIT_CONFIG_GLOBAL: '/elsewhere/gitconfig',
  // Any name at all, holding a secret vigil loaded.
  SOME_SETTING: `prefix-${LOADED_SECRET}-suffix`,
  SHORT: 'abc',
};
const CANARY_VALUES = ['ghp_canarycanarycanary0123', 'gho_canarycanarycanary0123', 'sk-ant-canary-0123456789', 'sk-openai-canary-0123456789', 'vigil-canary-0123456789', LOADED_SECRET];

function printedEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return JSON.parse(execFileSync(process.execPath, [PRINT_ENV], { env, encoding: 'utf8' })) as Record<string, string>;
}

function expectNothingOfVigil(seen: Record<string, string>): void {
  expect(Object.keys(seen).filter((k) => /^(GITHUB_|GH_|ANTHROPIC_|OPENAI_|VIGIL_|GIT_(DIR|CONFIG))/.test(k))).toEqual([]);
  const text = JSON.stringify(seen);
  for (const secret of CANARY_VALUES) expect(text, secret).not.toContain(secret);
}

describe('the agent\'s processes get none of vigil\'s credentials', () => {
  const withhold = secretsToWithhold([LOADED_SECRET], BASE);

  it('secretsToWithhold: the loaded secrets and the credential variables\' values, not pointers or short values', () => {
    expect(new Set(withhold)).toEqual(
      new Set([LOADED_SECRET, 'ghp_canarycanarycanary0123', 'gho_canarycanarycanary0123', 'sk-ant-canary-0123456789', 'sk-openai-canary-0123456789']),
    );
    // VIGIL_CANARY is not named like a credential: it is kept out of the env by its prefix.
    expect(secretsToWithhold(['short'], { GITHUB_TOKEN: 'tiny' })).toEqual([]);
  });

  it('the external agent keeps the rest of the environment, with git prompts off', () => {
    const seen = printedEnv(externalEnv(withhold, BASE));
    expectNothingOfVigil(seen);
    expect(seen).toMatchObject({ HOME: '/home/owner', LANG: 'C.UTF-8', HTTPS_PROXY: 'http://proxy.example:3128', SHORT: 'abc', GIT_TERMINAL_PROMPT: '0' });
    expect(seen.SOME_SETTING).toBeUndefined();
  });

  it('an allowed command gets a short allowlist: no proxy, no settings, and HOME is the sandbox\'s', () => {
    const seen = printedEnv(commandEnv(withhold, BASE));
    expectNothingOfVigil(seen);
    expect(seen).toMatchObject({ LANG: 'C.UTF-8', GIT_TERMINAL_PROMPT: '0', CI: '1', TMPDIR: '/tmp' });
    expect(seen.PATH).toBe(BASE.PATH);
    expect(seen.HOME).not.toBe('/home/owner');
    for (const name of ['HTTPS_PROXY', 'SHORT', 'SOME_SETTING']) expect(seen[name], name).toBeUndefined();
  });

  it('an allowlisted variable holding a secret is dropped too', () => {
    const seen = printedEnv(commandEnv(withhold, { ...BASE, LANG: `C.UTF-8 ${LOADED_SECRET}` }));
    expect(seen.LANG).toBeUndefined();
    expectNothingOfVigil(seen);
  });
});

describe('the environment rules at their edges', () => {
  it('withholds the value of every credential-named variable under a vigil prefix, in any case, from 8 characters', () => {
    const names = ['GITHUB_TOKEN', 'GH_SECRET', 'ANTHROPIC_PASSWORD', 'OPENAI_PASSPHRASE', 'VIGIL_API_KEY', 'VIGIL_APIKEY', 'GIT_PRIVATE_KEY', 'GITHUB_PRIVATEKEY', 'GH_ACCESS_KEY', 'GH_ACCESSKEY', 'OPENAI_CREDENTIALS', 'github_token'];
    const base = Object.fromEntries(names.map((name, i) => [name, `value-${i}-0123`]));
    expect(secretsToWithhold([], base).sort()).toEqual(names.map((_, i) => `value-${i}-0123`).sort());
    // Pointers under those prefixes, and credentials under other names, are not vigil's secrets.
    expect(secretsToWithhold([], { GITHUB_API_URL: 'https://api.github.example', VIGIL_HOME: '/home/o/.vigil', NPM_TOKEN: 'npm_0123456789' })).toEqual([]);
    expect(secretsToWithhold([], { GITHUB_TOKEN: '1234567' })).toEqual([]);
    expect(secretsToWithhold([], { GITHUB_TOKEN: '12345678' })).toEqual(['12345678']);
    expect(secretsToWithhold(['1234567', '12345678'], {})).toEqual(['12345678']);
    // A value loaded and also in the environment is one entry.
    expect(secretsToWithhold(['same-secret-0123'], { GITHUB_TOKEN: 'same-secret-0123', GH_TOKEN: undefined })).toEqual(['same-secret-0123']);
  });

  it('an allowed command gets exactly the allowlist the base has, and nothing else', () => {
    const allowlist = ['PATH', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TERM', 'TZ', 'USER', 'LOGNAME', 'SHELL'];
    const base = Object.fromEntries([...allowlist, 'EDITOR', 'NODE_OPTIONS', 'HOME'].map((name) => [name, `${name.toLowerCase()}-value`]));
    const env = commandEnv([], base);
    expect(Object.keys(env).sort()).toEqual([...allowlist, 'GIT_TERMINAL_PROMPT', 'CI', 'HOME', 'TMPDIR'].sort());
    for (const name of allowlist) expect(env[name], name).toBe(`${name.toLowerCase()}-value`);
    expect(env).toMatchObject({ GIT_TERMINAL_PROMPT: '0', CI: '1', TMPDIR: '/tmp' });
    expect(env.HOME).not.toBe('home-value');
    expect(Object.keys(commandEnv([], {})).sort()).toEqual(['CI', 'GIT_TERMINAL_PROMPT', 'HOME', 'TMPDIR']);
  });

  it('the external agent drops every name under a vigil prefix in any case, and any variable holding a secret', () => {
    const env = externalEnv(['held-secret-0123'], {
      github_token: 'x',
      Vigil_Home: 'x',
      git_dir: 'x',
      OPENAI_BASE_URL: 'x',
      MY_GITHUB_TOKEN_FILE: '/path',
      EDITOR: 'vim',
      UNSET: undefined,
      OTHER: 'has held-secret-0123 inside',
    });
    expect(env).toEqual({ MY_GITHUB_TOKEN_FILE: '/path', EDITOR: 'vim', GIT_TERMINAL_PROMPT: '0' });
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSecrets } from '../../src/config/index.js';
import { generateSecrets } from '../../src/config/secrets.js';
import { parseConfig } from '../../src/config/load.js';
import { githubCredentials } from '../../src/github-api/index.js';
import { useTempDir, vigilErrorOf } from '../unit/helpers.js';

const tempDir = useTempDir('vigil-github-config-');
const PEM = '-----BEGIN PRIVATE KEY-----\nMIIfake\n-----END PRIVATE KEY-----\n';

function secretsFile(extra: Record<string, unknown>): string {
  const file = path.join(tempDir(), 'secrets.json');
  fs.writeFileSync(file, JSON.stringify({ ...generateSecrets(), ...extra }), { mode: 0o600 });
  return file;
}

describe('github config for the missed-delivery sweep', () => {
  it('hookId with hookRepo or hookOrg parses', () => {
    expect(parseConfig({ github: { hookId: 5, hookRepo: 'octo/app' } }, {}).github).toMatchObject({ hookId: 5, hookRepo: 'octo/app' });
    expect(parseConfig({ github: { hookId: 5, hookOrg: 'octo' } }, {}).github).toMatchObject({ hookId: 5, hookOrg: 'octo' });
    expect(parseConfig({}, {}).github.hookId).toBeUndefined();
  });

  it('hookId alone still parses: the public example of docs/contract.md writes it so (the sweep names the missing key)', () => {
    expect(parseConfig({ github: { repos: ['*'], events: ['*'], hookId: 123 } }, {}).github.hookId).toBe(123);
  });

  it('both places, or a place without an id, or a misspelt key, are errors naming the key', () => {
    expect(vigilErrorOf(() => parseConfig({ github: { hookId: 5, hookRepo: 'o/r', hookOrg: 'o' } }, {}), 'VIGIL_ERR_CONFIG').message).toMatch(/github\.hookOrg/);
    expect(vigilErrorOf(() => parseConfig({ github: { hookRepo: 'o/r' } }, {}), 'VIGIL_ERR_CONFIG').message).toMatch(/github\.hookRepo: needs github\.hookId/);
    expect(vigilErrorOf(() => parseConfig({ github: { hookId: 5, hookRepo: 'not a repo' } }, {}), 'VIGIL_ERR_CONFIG').message).toMatch(/github\.hookRepo/);
    expect(vigilErrorOf(() => parseConfig({ github: { hookID: 5 } }, {}), 'VIGIL_ERR_CONFIG').message).toMatch(/github\.hookID: unknown key/);
  });
});

describe('GitHub credentials', () => {
  it('a token wins; GITHUB_TOKEN overrides the file', () => {
    const file = secretsFile({ githubToken: 'from-file', githubApp: { appId: 1, privateKey: PEM } });
    expect(githubCredentials(loadSecrets(file, {}), parseConfig({}, {}).github)).toEqual({ kind: 'token', token: 'from-file' });
    expect(githubCredentials(loadSecrets(file, { GITHUB_TOKEN: 'from-env' }), parseConfig({}, {}).github)).toEqual({ kind: 'token', token: 'from-env' });
  });

  it('a GitHub App from secrets.json (key inline or in a file), with the installation from config', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'app.pem'), PEM);
    const file = path.join(dir, 'secrets.json');
    fs.writeFileSync(file, JSON.stringify({ ...generateSecrets(), githubApp: { appId: '42', privateKeyPath: 'app.pem' } }));
    const config = parseConfig({ github: { installationId: 9 } }, {}).github;
    expect(githubCredentials(loadSecrets(file, {}), config)).toEqual({ kind: 'app', appId: 42, privateKey: PEM, installationId: 9 });
    const inline = secretsFile({ githubApp: { appId: 42, privateKey: PEM } });
    expect(githubCredentials(loadSecrets(inline, {}), parseConfig({}, {}).github)).toEqual({ kind: 'app', appId: 42, privateKey: PEM });
  });

  it('GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY (with \\n escapes) configure an App', () => {
    const file = secretsFile({});
    const secrets = loadSecrets(file, { GITHUB_APP_ID: '7', GITHUB_APP_PRIVATE_KEY: PEM.replace(/\n/g, '\\n') });
    expect(secrets.githubApp).toEqual({ appId: 7, privateKey: PEM });
  });

  it('half an App is a secrets error that says what is missing', () => {
    expect(vigilErrorOf(() => loadSecrets(secretsFile({}), { GITHUB_APP_ID: '7' }), 'VIGIL_ERR_SECRETS').message).toMatch(/private key/);
    expect(vigilErrorOf(() => loadSecrets(secretsFile({ githubApp: { appId: 1 } }), {}), 'VIGIL_ERR_SECRETS').message).toMatch(/githubApp/);
    expect(vigilErrorOf(() => loadSecrets(secretsFile({ githubApp: { appId: 1, privateKeyPath: 'missing.pem' } }), {}), 'VIGIL_ERR_SECRETS').message).toMatch(
      /privateKeyPath/,
    );
  });

  it('nothing configured: no credentials', () => {
    expect(githubCredentials(loadSecrets(secretsFile({}), {}), parseConfig({}, {}).github)).toBeUndefined();
  });
});

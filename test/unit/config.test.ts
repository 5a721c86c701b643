import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { initHome, loadConfig, loadSecrets } from '../../src/config/index.js';
import { homePaths } from '../../src/home/index.js';
import { parseConfig } from '../../src/config/load.js';
import { useTempDir, vigilErrorOf } from './helpers.js';

const tempDir = useTempDir('vigil-config-');
const noEnv: NodeJS.ProcessEnv = {};

/** A config error: VIGIL_ERR_CONFIG, exit code 78, one line that names `key`. */
function expectConfigError(raw: unknown, key: string, env: NodeJS.ProcessEnv = noEnv): string {
  const err = vigilErrorOf(() => parseConfig(raw, env), 'VIGIL_ERR_CONFIG');
  expect(err.exitCode).toBe(78);
  expect(err.message).not.toContain('\n');
  expect(err.message).toContain(key);
  return err.message;
}

describe('parseConfig', () => {
  it('fills the documented defaults from an empty object', () => {
    const config = parseConfig({}, noEnv);
    expect(config.tick.schedule).toBe('*/15 * * * *');
    expect(config.tick.activeHours).toBeUndefined();
    expect(config.tick.staleDays).toBe(7);
    expect(config.model.provider).toBe('rules');
    expect(config.rules).toEqual([]);
    expect(config.permissions.mode).toBe('auto');
    expect(config.permissions.rules).toEqual([]);
    expect(config.permissions.approvalTtlHours).toBe(24);
    expect(config.http).toEqual({ host: '127.0.0.1', port: 7433, trustProxy: false, bodyTimeoutSeconds: 30 });
  });

  it('keeps the values it is given', () => {
    const config = parseConfig(
      {
        tick: { schedule: '0 */2 * * *', activeHours: '08:00-22:00', timezone: 'Europe/Berlin', staleDays: 3 },
        permissions: { mode: 'suggest', approvalTtlHours: 2 },
        http: { host: '0.0.0.0', port: 9000 },
      },
      noEnv,
    );
    expect(config.tick).toEqual({ schedule: '0 */2 * * *', activeHours: '08:00-22:00', timezone: 'Europe/Berlin', staleDays: 3 });
    expect(config.permissions.mode).toBe('suggest');
    expect(config.permissions.approvalTtlHours).toBe(2);
    expect(config.http).toMatchObject({ host: '0.0.0.0', port: 9000 });
  });

  it('accepts a six-field cron expression (with seconds)', () => {
    expect(parseConfig({ tick: { schedule: '*/30 * * * * *' } }, noEnv).tick.schedule).toBe('*/30 * * * * *');
  });

  it('accepts the example config of docs/contract.md "Configuration"', () => {
    // Tests outside the repo write these names; "…" placeholders replaced by real values.
    const example = {
      tick: { schedule: '*/15 * * * *', activeHours: '08:00-22:00', timezone: 'Europe/Berlin' },
      model: { provider: 'rules', model: 'm', tickModel: 'm-small', baseURL: 'http://localhost:11434/v1' },
      rules: [
        { on: 'github.issues.opened', propose: { action: 'notify', params: { title: 't', body: 'b' } } },
      ],
      permissions: { mode: 'auto', rules: [{ action: 'github.comment', repo: 'octo/*', decision: 'allow' }] },
      github: { repos: ['*'], events: ['*'], hookId: 123, webhookProxyUrl: 'https://smee.io/abc' },
      repos: [{ name: 'owner/repo', path: '/home/me/src/repo' }],
      agent: { command: ['claude', '-p'], maxTurns: 30, allowCommands: ['npm test'] },
      notify: { desktop: true, ntfy: { url: 'https://ntfy.sh/me' }, quietHours: '22:00-07:00' },
      dream: { idleMinutes: 30, minHours: 24, staleDays: 60 },
    };
    const config = parseConfig(example, noEnv);
    expect(config.github.repos).toEqual(['*']);
    expect(config.permissions.rules[0]).toEqual({ action: 'github.comment', repo: 'octo/*', decision: 'allow' });
  });

  it('accepts "*" as a repo pattern meaning every repository (docs/contract.md writes github.repos: ["*"])', () => {
    expect(parseConfig({ github: { repos: ['*'] } }, noEnv).github.repos).toEqual(['*']);
    const rule = { action: 'github.comment', repo: '*', decision: 'allow' };
    expect(parseConfig({ permissions: { rules: [rule] } }, noEnv).permissions.rules).toEqual([rule]);
  });

  it('still rejects a repo pattern that is not "owner/repo" or "*"', () => {
    expectConfigError({ github: { repos: ['octo'] } }, 'github.repos.0');
    expectConfigError({ permissions: { rules: [{ action: 'notify', repo: 'a b/c', decision: 'allow' }] } }, 'permissions.rules.0.repo');
  });

  it('returns a deeply frozen result', () => {
    const config = parseConfig(
      { rules: [{ on: 'github.issues.opened', propose: { action: 'notify', params: { title: 'x', body: 'y' } } }] },
      noEnv,
    );
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.tick)).toBe(true);
    expect(Object.isFrozen(config.http)).toBe(true);
    expect(Object.isFrozen(config.permissions.rules)).toBe(true);
    expect(Object.isFrozen(config.rules[0]!.propose.params)).toBe(true);
    // ES modules are strict: writing to a frozen object throws.
    expect(() => {
      (config.tick as { schedule: string }).schedule = '* * * * *';
    }).toThrow(TypeError);
    expect(() => {
      (config.permissions.rules as unknown[]).push({ action: '*', decision: 'allow' });
    }).toThrow(TypeError);
    expect(config.tick.schedule).toBe('*/15 * * * *');
  });

  it('rejects an unknown top-level key, naming it', () => {
    expectConfigError({ tickk: {} }, 'tickk');
  });

  it('rejects an unknown nested key, naming its full path', () => {
    expectConfigError({ tick: { every: '5m' } }, 'tick.every');
  });

  it('rejects a wrong type, naming the key', () => {
    const message = expectConfigError({ tick: { schedule: 5 } }, 'tick.schedule');
    expect(message).toMatch(/string/);
  });

  it('rejects an invalid cron expression', () => {
    const message = expectConfigError({ tick: { schedule: '99 * * * *' } }, 'tick.schedule');
    expect(message).toContain('99 * * * *');
  });

  it('rejects an unknown time zone', () => {
    const message = expectConfigError({ tick: { timezone: 'Mars/Olympus' } }, 'tick.timezone');
    expect(message).toContain('Mars/Olympus');
  });

  it('rejects a malformed activeHours', () => {
    expectConfigError({ tick: { activeHours: '8-22' } }, 'tick.activeHours');
    expectConfigError({ tick: { activeHours: '08:00-25:00' } }, 'tick.activeHours');
  });

  it('rejects an unknown permissions mode and decision', () => {
    expectConfigError({ permissions: { mode: 'yolo' } }, 'permissions.mode');
    expectConfigError({ permissions: { rules: [{ action: 'notify', decision: 'maybe' }] } }, 'permissions.rules.0.decision');
  });

  it('lets VIGIL_HOST and VIGIL_PORT override the file', () => {
    const config = parseConfig({ http: { host: '10.0.0.1', port: 8000 } }, { VIGIL_HOST: '0.0.0.0', VIGIL_PORT: '0' });
    expect(config.http).toMatchObject({ host: '0.0.0.0', port: 0 });
    expect(Object.isFrozen(config.http)).toBe(true);
    expect(parseConfig({}, { VIGIL_PORT: '8123' }).http).toMatchObject({ host: '127.0.0.1', port: 8123 });
  });

  it('ignores empty VIGIL_HOST / VIGIL_PORT', () => {
    expect(parseConfig({}, { VIGIL_HOST: '  ', VIGIL_PORT: '' }).http).toMatchObject({ host: '127.0.0.1', port: 7433 });
  });

  it('treats an invalid VIGIL_PORT as a configuration error', () => {
    for (const bad of ['http', '70000', '-1', '80.5']) {
      const err = vigilErrorOf(() => parseConfig({}, { VIGIL_PORT: bad }), 'VIGIL_ERR_CONFIG');
      expect(err.exitCode).toBe(78);
      expect(err.message).toContain('VIGIL_PORT');
    }
  });

  it('store.url selects PostgreSQL; DATABASE_URL stands in for it only when it is unset (issue 19)', () => {
    expect(parseConfig({}, {}).store).toEqual({ retainDays: 90, leaseSeconds: 30 });
    const fromEnv = parseConfig({}, { DATABASE_URL: 'postgres://vigil@db.internal:5432/vigil' }).store;
    expect(fromEnv).toEqual({ retainDays: 90, leaseSeconds: 30, url: 'postgres://vigil@db.internal:5432/vigil' });
    const fromFile = parseConfig({ store: { url: 'postgresql://a@b/c', leaseSeconds: 10 } }, { DATABASE_URL: 'postgres://other/x' }).store;
    expect(fromFile).toMatchObject({ url: 'postgresql://a@b/c', leaseSeconds: 10 });
  });

  it('refuses a store URL that is not postgres:// and a lease below 5 s', () => {
    expect(vigilErrorOf(() => parseConfig({ store: { url: 'mysql://a/b' } }, {}), 'VIGIL_ERR_CONFIG').message).toContain('store.url');
    expect(vigilErrorOf(() => parseConfig({}, { DATABASE_URL: 'sqlite:///tmp/x' }), 'VIGIL_ERR_CONFIG').message).toContain('DATABASE_URL');
    expect(vigilErrorOf(() => parseConfig({ store: { leaseSeconds: 1 } }, {}), 'VIGIL_ERR_CONFIG').message).toContain('store.leaseSeconds');
  });
});

describe('loadConfig', () => {
  it('reports a file that is not JSON with VIGIL_ERR_CONFIG_JSON and exit code 78', () => {
    const file = path.join(tempDir(), 'config.json');
    fs.writeFileSync(file, '{ "tick": ');
    const err = vigilErrorOf(() => loadConfig(file, noEnv), 'VIGIL_ERR_CONFIG_JSON');
    expect(err.exitCode).toBe(78);
  });
});

describe('initHome', () => {
  it('creates config.json, config.schema.json and a private secrets.json', async () => {
    const home = path.join(tempDir(), 'home');
    const { paths, created } = await initHome(home);
    expect(paths).toEqual(homePaths(home));
    expect(created).toEqual(expect.arrayContaining([home, paths.config, paths.secrets, paths.logs, paths.memory]));

    const config = JSON.parse(fs.readFileSync(paths.config, 'utf8')) as Record<string, unknown>;
    expect(config.$schema).toBe('./config.schema.json');
    // The file a new home starts with is itself a valid config.
    expect(parseConfig(config, noEnv).model.provider).toBe('rules');

    const schema = JSON.parse(fs.readFileSync(paths.configSchema, 'utf8')) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['tick', 'model', 'rules', 'permissions']));

    expect(fs.statSync(paths.secrets).mode & 0o777).toBe(0o600);
    const secrets = JSON.parse(fs.readFileSync(paths.secrets, 'utf8')) as {
      webhookSecret: string;
      dashboardToken: string;
      vapid: { publicKey: string; privateKey: string };
    };
    expect(secrets.webhookSecret.length).toBeGreaterThanOrEqual(16);
    expect(secrets.dashboardToken.length).toBeGreaterThanOrEqual(16);
    expect(secrets.vapid.publicKey).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(secrets.vapid.privateKey).toMatch(/^[A-Za-z0-9_-]+$/);
    const point = Buffer.from(secrets.vapid.publicKey, 'base64url');
    expect(point.length).toBe(65);
    expect(point[0]).toBe(0x04);
    expect(Buffer.from(secrets.vapid.privateKey, 'base64url').length).toBe(32);
  });

  it('generates different secrets for different homes', async () => {
    const a = await initHome(path.join(tempDir(), 'a'));
    const b = await initHome(path.join(tempDir(), 'b'));
    const read = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as { webhookSecret: string; dashboardToken: string };
    expect(read(a.paths.secrets).webhookSecret).not.toBe(read(b.paths.secrets).webhookSecret);
    expect(read(a.paths.secrets).dashboardToken).not.toBe(read(b.paths.secrets).dashboardToken);
  });

  it('never overwrites an edited config.json or secrets.json, but refreshes the schema', async () => {
    const home = tempDir();
    const { paths } = await initHome(home);
    const editedConfig = JSON.stringify({ tick: { schedule: '0 * * * *' } });
    fs.writeFileSync(paths.config, editedConfig);
    const secretsBefore = fs.readFileSync(paths.secrets, 'utf8');
    const editedSecrets = secretsBefore.replace(/"dashboardToken": "[^"]+"/, '"dashboardToken": "owner-chosen-token-123"');
    expect(editedSecrets).not.toBe(secretsBefore);
    fs.writeFileSync(paths.secrets, editedSecrets);
    fs.writeFileSync(paths.configSchema, '{}');

    const again = await initHome(home);
    expect(again.created).toEqual([]);
    expect(fs.readFileSync(paths.config, 'utf8')).toBe(editedConfig);
    expect(fs.readFileSync(paths.secrets, 'utf8')).toBe(editedSecrets);
    const schema = JSON.parse(fs.readFileSync(paths.configSchema, 'utf8')) as { properties?: Record<string, unknown> };
    expect(schema.properties).toHaveProperty('tick');
  });
});

describe('loadSecrets', () => {
  async function secretsFile(extra: Record<string, unknown> = {}): Promise<{ file: string; webhookSecret: string }> {
    const { paths } = await initHome(tempDir());
    const content = { ...(JSON.parse(fs.readFileSync(paths.secrets, 'utf8')) as Record<string, unknown>), ...extra };
    fs.writeFileSync(paths.secrets, JSON.stringify(content), { mode: 0o600 });
    return { file: paths.secrets, webhookSecret: content.webhookSecret as string };
  }

  it('reads secrets.json as it is without environment overrides', async () => {
    const { file, webhookSecret } = await secretsFile({ githubToken: 'file-gh-token' });
    const secrets = loadSecrets(file, noEnv);
    expect(secrets.webhookSecrets).toEqual([webhookSecret]);
    expect(secrets.githubToken).toBe('file-gh-token');
    expect(secrets.anthropicApiKey).toBeUndefined();
    expect(Buffer.from(secrets.vapid.publicKey, 'base64url').length).toBe(65);
  });

  it('lets GITHUB_WEBHOOK_SECRET, GITHUB_TOKEN and ANTHROPIC_API_KEY override the file', async () => {
    const { file } = await secretsFile({ githubToken: 'file-gh-token', anthropicApiKey: 'file-anthropic-key' });
    const secrets = loadSecrets(file, {
      GITHUB_WEBHOOK_SECRET: 'env-webhook-secret-0123456789',
      GITHUB_TOKEN: 'env-gh-token',
      ANTHROPIC_API_KEY: 'env-anthropic-key',
    });
    // The first secret is the one that signs and the one the environment set.
    expect(secrets.webhookSecrets[0]).toBe('env-webhook-secret-0123456789');
    expect(secrets.githubToken).toBe('env-gh-token');
    expect(secrets.anthropicApiKey).toBe('env-anthropic-key');
  });

  it('reports a missing or invalid secrets.json as VIGIL_ERR_SECRETS (exit 78)', async () => {
    const dir = tempDir();
    const missing = vigilErrorOf(() => loadSecrets(path.join(dir, 'nope.json'), noEnv), 'VIGIL_ERR_SECRETS');
    expect(missing.exitCode).toBe(78);
    const bad = path.join(dir, 'secrets.json');
    fs.writeFileSync(bad, JSON.stringify({ webhookSecret: 'short' }));
    vigilErrorOf(() => loadSecrets(bad, noEnv), 'VIGIL_ERR_SECRETS');
  });
});

describe('repository names (issue 12)', () => {
  it('"." and ".." are refused as owner or repo, in watched repos, permission rules and proposals', async () => {
    const { checkCatalog } = await import('../../src/policy/catalog.js');
    for (const bad of ['octo/..', '../app', 'octo/.', './x']) {
      expect(() => parseConfig({ repos: [{ name: bad }] }, noEnv), bad).toThrow(/must not have "\." or "\.\."/);
      expect(() => parseConfig({ permissions: { rules: [{ action: 'github.label', repo: bad, decision: 'allow' }] } }, noEnv), bad).toThrow();
      const judged = checkCatalog('github.label', { repo: bad, number: 1, labels: ['x'] });
      expect(judged.ok, bad).toBe(false);
    }
    expect(() => parseConfig({ repos: [{ name: 'octo/.github' }, { name: 'a.b/c..d' }] }, noEnv)).not.toThrow();
    expect(checkCatalog('github.label', { repo: 'octo/.github', number: 1, labels: ['x'] }).ok).toBe(true);
  });
});

describe('secrets written in config.json (issue 12)', () => {
  it('an ntfy token and a smee channel URL in config.json are masked at every exit once the file is loaded', async () => {
    const { secretMask } = await import('../../src/secrets/index.js');
    const file = path.join(tempDir(), 'config.json');
    const token = 'tk_ntfy_in_config_0123456789';
    const channel = 'https://smee.io/AbCdEfGhIjKlMnOp';
    fs.writeFileSync(file, JSON.stringify({ notify: { ntfy: { url: 'https://ntfy.sh/x', token } }, github: { webhookProxyUrl: channel } }));
    expect(secretMask().redact(`token ${token}, channel ${channel}`)).toContain(token);
    loadConfig(file, noEnv);
    expect(secretMask().redact(`token ${token}, channel ${channel}`)).toBe('token [redacted], channel [redacted]');
  });

  it("store.url's password is masked once the file is loaded (issue 19)", async () => {
    const { secretMask } = await import('../../src/secrets/index.js');
    const file = path.join(tempDir(), 'config.json');
    const password = 'pg-pass-in-config-98765';
    fs.writeFileSync(file, JSON.stringify({ store: { url: `postgres://vigil:${password}@db.internal/vigil` } }));
    loadConfig(file, noEnv);
    expect(secretMask().redact(`connecting with ${password}`)).toBe('connecting with [redacted]');
  });
});

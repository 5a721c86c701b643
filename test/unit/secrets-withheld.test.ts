import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSecrets } from '../../src/config/index.js';
import { readJsonWithout } from '../../src/config/json-without.js';
import { maskedValues } from '../../src/secrets/index.js';
import { useTempDir } from './helpers.js';

/** The daemon's secrets.json: everything but the GitHub credentials, which only the worker reads (issue 14). */
describe('secrets without the GitHub credentials', () => {
  const tempDir = useTempDir('vigil-secrets-');
  const base = { webhookSecret: 'w'.repeat(32), dashboardToken: 'd'.repeat(24), vapid: { publicKey: 'pub', privateKey: 'p'.repeat(20) } };

  function write(text: string): string {
    const file = path.join(tempDir(), 'secrets.json');
    fs.writeFileSync(file, text);
    return file;
  }

  it('steps over the withheld values, whatever their shape, and parses the rest', () => {
    const token = 'ghp_withheld_value_0123456789abcdef';
    const text = `\ufeff{ "webhookSecret": "a\\"b}", "githubToken" : "${token}",
      "githubApp": {"appId": 7, "privateKey": "-----BEGIN RSA PRIVATE KEY-----\\n{[\\"]}\\n"}, "nested": {"list": [1, {"x": "}"}], "ok": true},
      "githubT\\u006fken": "${token}", "n": -1.5e3 }`;
    const { value, found } = readJsonWithout(write(text), ['githubToken', 'githubApp']);
    expect(value).toEqual({ webhookSecret: 'a"b}', nested: { list: [1, { x: '}' }], ok: true }, n: -1500 });
    expect(found.sort()).toEqual(['githubApp', 'githubToken']);
    for (const broken of ['{"a": 1', '{"a" 1}', '[1]', '{"a": 1} x', '{"githubToken": "x}']) {
      expect(() => readJsonWithout(write(broken), ['githubToken']), broken).toThrow(SyntaxError);
    }
  });

  it("loadSecrets for the daemon neither returns nor masks the file's token, and says one exists", () => {
    const token = 'ghp_daemon_must_not_hold_this_9876543210';
    const file = write(JSON.stringify({ ...base, githubToken: token, githubApp: { appId: 1, privateKeyPath: 'missing.pem' } }));
    const secrets = loadSecrets(file, {}, { withholdGithub: true });
    expect(secrets.githubToken).toBeUndefined();
    expect(secrets.githubApp).toBeUndefined();
    expect(secrets.githubWithheld).toBe(true);
    expect(secrets.webhookSecrets).toEqual([base.webhookSecret]);
    expect(maskedValues()).not.toContain(token);
    expect(JSON.stringify(secrets)).not.toContain(token);
    // Without GitHub credentials there is nothing withheld; the worker's load reads them all.
    expect(loadSecrets(write(JSON.stringify(base)), {}, { withholdGithub: true }).githubWithheld).toBeUndefined();
    expect(loadSecrets(write(JSON.stringify({ ...base, githubToken: token })), {}).githubToken).toBe(token);
  });
});

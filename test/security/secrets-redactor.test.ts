/**
 * One redactor at every exit (issue 12), part by part: the forms a secret takes, the
 * secrets vigil holds (secrets.json, the environment), and each wall that uses them —
 * the daily log's writer, the policy gate, the notifier, Octokit's writes — against
 * real components. The canary (secrets-canary.test.ts) runs them all in a daemon.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { heldSecretValues, loadSecrets } from '../../src/config/index.js';
import { generateSecrets, secretEnvValues } from '../../src/config/secrets.js';
import { parseConfig } from '../../src/config/load.js';
import { GithubClients } from '../../src/github-api/index.js';
import { DailyLog, logFilePath, MAX_FIELD_CHARS, readLogEntries } from '../../src/logs/index.js';
import { verifyLogFile } from '../../src/logs/verify.js';
import { makeRedactor, secretValues } from '../../src/model/index.js';
import { Notifier } from '../../src/notify/index.js';
import { NotifyGate } from '../../src/notify/gate.js';
import { PolicyGate } from '../../src/policy/index.js';
import { CARRIES_SECRET } from '../../src/policy/gate.js';
import { makeSecretMask, maskSecrets, secretMask } from '../../src/secrets/index.js';
import { secretForms } from '../../src/secrets/forms.js';
import { FakeGithub } from '../github/fake-github.js';
import { localMs, useTempDir } from '../logs/helpers.js';
import { RecordingChannel, tempStore } from '../notify/helpers.js';

const tempDir = useTempDir();
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const TOKEN = 'ghp_CANARY_token_0123456789abcdefABCDEF';
const PEM = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PEM_BODY = PEM.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
const QUOTED = 'pa"ss\\word-with\ttab';
// In this process's own environment before anything masks: the mask takes it at its first use.
const OWN_ENV_TOKEN = 'own-env-token-0123456789';
process.env.CANARY_SERVICE_TOKEN = OWN_ENV_TOKEN;

describe('the redactor: every form of a secret', () => {
  const redact = makeRedactor([TOKEN, PEM, QUOTED]);

  it('plain, JSON-escaped (once and twice), URL-encoded, HTML-escaped', () => {
    expect(redact(`<p>${QUOTED.replace(/"/g, '&quot;')}</p>`)).toBe('<p>[redacted]</p>');
    expect(redact(`token ${TOKEN}.`)).toBe('token [redacted].');
    expect(redact(JSON.stringify({ key: PEM }))).toBe('{"key":"[redacted]"}');
    expect(redact(JSON.stringify({ q: QUOTED }))).toBe('{"q":"[redacted]"}');
    expect(redact(JSON.stringify({ inner: JSON.stringify({ key: PEM }) }))).toBe(JSON.stringify({ inner: '{"key":"[redacted]"}' }));
    expect(redact(`https://x.test/?q=${encodeURIComponent(QUOTED)}`)).toBe('https://x.test/?q=[redacted]');
  });

  it('base64, standard and URL alphabet, at every byte offset inside a longer encoding', () => {
    for (const prefix of ['', 'u', 'us', 'user:', 'x-access-token:']) {
      for (const encoding of ['base64', 'base64url'] as const) {
        const encoded = Buffer.from(`${prefix}${TOKEN}@tail`).toString(encoding);
        const out = redact(`Authorization: Basic ${encoded}`);
        expect(out, `${encoding} after "${prefix}"`).toContain('[redacted]');
        // What is left beside the marker is at most a few characters the neighbours share bits with.
        const left = out.replace('Authorization: Basic ', '').split('[redacted]').join('');
        expect(left.length, `${encoding} after "${prefix}"`).toBeLessThan(Buffer.from(`${prefix}@tail`).toString(encoding).length + 8);
      }
    }
  });

  it('a PEM key: whole, its body without armour and line breaks, any one of its lines, CRLF', () => {
    expect(redact(`key:\n${PEM}`)).toBe('key:\n[redacted]');
    expect(redact(`body=${PEM_BODY};`)).toBe('body=[redacted];');
    const line = PEM.split('\n')[5]!;
    expect(redact(`a line: ${line}`)).toBe('a line: [redacted]');
    expect(redact(PEM.replace(/\n/g, '\r\n'))).not.toContain(line);
  });

  it('values shorter than 8 characters are not secrets to it: they would redact words', () => {
    expect(makeRedactor(['short', 'abc1234'])('a short abc1234')).toBe('a short abc1234');
    expect(secretForms('1234567')).toEqual([]);
  });

  it('redacts deep inside values, keys included, and says whether a value carries a secret', () => {
    const mask = makeSecretMask([TOKEN]);
    const value = { a: [{ b: `x ${TOKEN}` }], [TOKEN]: 1, n: 7 };
    expect(mask.redactValue(value)).toEqual({ a: [{ b: 'x [redacted]' }], '[redacted]': 1, n: 7 });
    expect(mask.carries(value)).toBe(true);
    expect(mask.carries({ body: Buffer.from(TOKEN).toString('base64') })).toBe(true);
    expect(mask.carries({ body: 'nothing here' })).toBe(false);
    expect(makeSecretMask([]).carries(value)).toBe(false);
  });
});

describe('the secrets vigil holds', () => {
  it('every value of secrets.json (added keys too, overridden ones too) but the public ones, and the secret environment', () => {
    const home = tempDir();
    const file = path.join(home, 'secrets.json');
    const written = { ...generateSecrets(), githubToken: 'ghp_in_the_file_0123456789', ntfyToken: 'tk_ntfy_0123456789', telegramBotToken: '123456:ABCdefGHIjkl', githubApp: { appId: 42, privateKey: PEM } };
    fs.writeFileSync(file, JSON.stringify(written));
    const env = { GITHUB_TOKEN: TOKEN, OPENAI_API_KEY: 'sk-openai-0123456789', SOME_CI_SECRET: 'ci-secret-0123456789', KEY_FILE_PATH: '/not/a/secret', DATABASE_URL: 'postgres://vigil:db-pass-0123456789@db/vigil', HOME: '/home/me' };
    const secrets = loadSecrets(file, env);
    const held = heldSecretValues(secrets, env, written);
    for (const v of [written.webhookSecret, written.dashboardToken, written.vapid.privateKey, written.capabilityKey!, 'ghp_in_the_file_0123456789', TOKEN, 'tk_ntfy_0123456789', '123456:ABCdefGHIjkl', PEM, 'sk-openai-0123456789', 'ci-secret-0123456789', 'db-pass-0123456789']) {
      expect(held).toContain(v);
    }
    for (const v of [written.vapid.publicKey, '/not/a/secret', '/home/me']) expect(held).not.toContain(v);
    expect(secretEnvValues({ GITHUB_APP_PRIVATE_KEY: 'line1-abcdefgh\\nline2' })).toContain('line1-abcdefgh\nline2');
    // Reading them masked them process-wide: the file's token is redacted though GITHUB_TOKEN overrides it.
    expect(secretMask().redact('ghp_in_the_file_0123456789 123456:ABCdefGHIjkl')).toBe('[redacted] [redacted]');
    // So is the process's own environment.
    expect(secretMask().redact(`x ${OWN_ENV_TOKEN}`)).toBe('x [redacted]');
    // What model requests are redacted with covers them too.
    expect(secretValues({})).toContain('123456:ABCdefGHIjkl');
  });
});

describe('the walls', () => {
  it('the daily log: no secret in any line, attacker text capped per field, and the chain verifies', () => {
    const dir = tempDir();
    const clock = new FakeClock(localMs(10));
    const log = new DailyLog({ dir, clock, mask: makeSecretMask([TOKEN, PEM]) });
    const huge = `${'A'.repeat(24 * 1024 * 1024)}`;
    // A secret that straddles the cap is not cut in half: it is kept whole, then redacted.
    const straddling = `${'s'.repeat(MAX_FIELD_CHARS - 5)}${TOKEN}${'t'.repeat(100)}`;
    log.append({ type: 'decision.made', eventId: 7, summary: `quoting ${TOKEN}`, straddling, proposals: [{ action: 'x', params: { key: PEM, blob: huge, list: Array(500).fill('i') } }] });
    log.close();
    const file = logFilePath(dir, '2026-06-10');
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(PEM_BODY.slice(0, 64));
    expect(text.length).toBeLessThan(64 * 1024);
    const [entry] = readLogEntries(file);
    const params = (entry!.proposals as { params: Record<string, unknown> }[])[0]!.params;
    expect(entry!.summary).toBe('quoting [redacted]');
    expect(entry!.straddling).toBe(`${'s'.repeat(MAX_FIELD_CHARS - 5)}[redacted]…[cut 100 chars]`);
    expect(params.key).toBe('[redacted]');
    expect(params.blob).toBe(`${'A'.repeat(MAX_FIELD_CHARS)}…[cut ${huge.length - MAX_FIELD_CHARS} chars]`);
    expect((params.list as string[]).at(-1)).toBe('…[cut 400 items]');
    expect(entry!.eventId).toBe(7);
    expect(verifyLogFile(file).ok).toBe(true);
  });

  it('the policy: a proposal carrying a secret, in any form, is denied whatever the rules say', () => {
    const permissions = parseConfig({ permissions: { mode: 'auto', rules: [{ action: '*', decision: 'allow' }] } }, {}).permissions;
    const gate = new PolicyGate(permissions, () => makeSecretMask([TOKEN]));
    const carried = [
      { action: 'github.comment', params: { repo: 'octo/app', number: 1, body: `here: ${TOKEN}` } },
      { action: 'notify', params: { title: 'x', body: Buffer.from(`t=${TOKEN}`).toString('base64') } },
      { action: 'github.label', params: { repo: 'octo/app', number: 1, labels: [TOKEN] } },
      { action: 'shell.exec', params: { command: `echo ${TOKEN}` } },
    ];
    for (const proposal of carried) {
      const judgement = gate.judge(proposal);
      expect(judgement).toMatchObject({ verdict: 'deny', reason: CARRIES_SECRET });
      expect(JSON.stringify(judgement)).not.toContain(TOKEN);
    }
    expect(gate.judge({ action: 'notify', params: { title: 'x', body: 'clean' } }).verdict).toBe('allow');
  });

  it('the notifier: no channel, no stored digest text and no log record gets the secret', async () => {
    const store = tempStore();
    const clock = new FakeClock(localMs(10));
    const tables = store.notifications;
    const channel = new RecordingChannel('phone');
    const records: Record<string, unknown>[] = [];
    const notifier = new Notifier({ tables, gate: new NotifyGate(tables, { maxPerHour: 100 }), channels: [channel], clock, record: (r) => records.push(r), timeoutMs: 1000, mask: makeSecretMask([TOKEN]) });
    await notifier.deliver({ title: `token ${TOKEN}`, body: JSON.stringify({ t: TOKEN }), urgency: 'high' }, 'k1');
    expect(channel.received[0]!.notification).toMatchObject({ title: 'token [redacted]', body: '{"t":"[redacted]"}' });
    expect(JSON.stringify(records)).not.toContain(TOKEN);
    expect(JSON.stringify(store.db.prepare('select * from notify_log').all())).not.toContain(TOKEN);
  });

  it('GitHub: every write Octokit makes (comment, issue, labels) leaves without the secret; reads are untouched', async () => {
    const secret = 'ghs_WRITE_canary_0123456789abcdef';
    maskSecrets([secret]);
    const fake = await new FakeGithub({ tokens: ['ghp_fake_token_for_tests'] }).start();
    closers.push(() => fake.stop());
    fake.addIssue('octo/app', { number: 1 });
    const octokit = await new GithubClients({ credentials: { kind: 'token', token: 'ghp_fake_token_for_tests' }, baseUrl: fake.url }).forRepo('octo/app');
    await octokit.rest.issues.createComment({ owner: 'octo', repo: 'app', issue_number: 1, body: `leak ${secret}` });
    await octokit.rest.issues.create({ owner: 'octo', repo: 'app', title: `t ${secret}`, body: Buffer.from(secret).toString('base64') });
    await octokit.rest.issues.addLabels({ owner: 'octo', repo: 'app', issue_number: 1, labels: [secret] });
    const writes = fake.requests.filter((r) => r.method !== 'GET');
    expect(writes).toHaveLength(3);
    const sent = JSON.stringify(writes.map((r) => r.body));
    expect(sent).not.toContain(secret);
    expect(sent).not.toContain(Buffer.from(secret).toString('base64').slice(0, 20));
    expect(sent).toContain('leak [redacted]');
  });
});

/**
 * The daemon recognises the GitHub credentials without holding them (issue 14): a mask
 * made from fingerprints must find every form the value mask finds, and what it holds
 * must not give the secret back.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDaemonSecrets } from '../../src/config/index.js';
import { fingerprintSecrets, makeSecretMask, REDACTED, secretMask } from '../../src/secrets/index.js';
import { makeFingerprintMask } from '../../src/secrets/fingerprint.js';
import { secretForms } from '../../src/secrets/forms.js';
import { useTempDir } from './helpers.js';

const TOKEN = 'ghp_fingerprinted_0123456789abcdefABCDEF';
const PEM = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PEM_LINES = PEM.split('\n').filter((l) => l && !l.startsWith('-----'));

/** Every way a copy reaches text: as is, in JSON, in a URL, in HTML, in Basic auth, a PEM's body and one of its lines. */
function carriers(): string[] {
  return [
    `the token is ${TOKEN}, please rotate it`,
    JSON.stringify({ body: `x ${TOKEN} y` }),
    `https://example.com/?t=${encodeURIComponent(TOKEN)}`,
    `Authorization: Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString('base64')}`,
    `key:\n${PEM}\nend`,
    `just the body ${PEM_LINES.join('')} there`,
    `a line of it: ${PEM_LINES[7]} !`,
    JSON.stringify(JSON.stringify({ pem: PEM })),
  ];
}

describe('a mask made from fingerprints', () => {
  const fingerprints = fingerprintSecrets([TOKEN, PEM]);
  const recognised = makeFingerprintMask(fingerprints);
  const held = makeSecretMask([TOKEN, PEM]);

  it('redacts, finds and never cuts through every form the value mask does', () => {
    for (const text of carriers()) {
      expect(recognised.carries(text), text.slice(0, 60)).toBe(true);
      const redacted = recognised.redact(text);
      expect(redacted).toContain(REDACTED);
      // Whatever the value mask leaves, this leaves too: no form of the secret survives.
      expect(held.carries(redacted), text.slice(0, 60)).toBe(false);
      expect(redacted).toBe(held.redact(text));
    }
    expect(recognised.carries({ nested: [{ deep: TOKEN }] })).toBe(true);
    expect(recognised.redactValue({ [`k ${TOKEN}`]: [`v ${TOKEN}`] })).toEqual({ [`k ${REDACTED}`]: [`v ${REDACTED}`] });
    const text = `0123456789${TOKEN}tail`;
    for (const at of [11, 20, 40]) expect(recognised.safeCut(text, at)).toBe(10 + TOKEN.length);
    expect(recognised.safeCut(text, 5)).toBe(5);
  });

  it('leaves text without the secret alone, including near misses', () => {
    const nearMiss = TOKEN.slice(0, -1) + (TOKEN.endsWith('F') ? 'G' : 'F');
    const texts = [nearMiss, TOKEN.slice(1), 'ghp_fingerprinted_', crypto.randomBytes(50_000).toString('base64'), ''];
    for (const t of texts) {
      expect(recognised.carries(t)).toBe(false);
      expect(recognised.redact(t)).toBe(t);
    }
  });

  it('holds nothing that gives the secret back: no form, and no 8 characters of one', () => {
    const json = JSON.stringify(fingerprints);
    for (const form of [TOKEN, ...secretForms(PEM)]) {
      for (let i = 0; i + 8 <= form.length; i += 4) expect(json.includes(form.slice(i, i + 8))).toBe(false);
    }
    // A fresh key each time: the same secret's fingerprints do not compare across runs.
    expect(fingerprintSecrets([TOKEN]).forms[0]!.digest).not.toBe(fingerprintSecrets([TOKEN]).forms[0]!.digest);
  });

  it('costs little over a long text', () => {
    const long = crypto.randomBytes(600_000).toString('base64'); // 800 KB, no secret
    const started = performance.now();
    expect(recognised.redact(long)).toBe(long);
    const ms = performance.now() - started;
    console.log(`fingerprint scan of 800 KB: ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(2_000);
  });
});

describe("the daemon's secrets", () => {
  const tempDir = useTempDir('vigil-daemon-secrets-');

  it('are loaded without the GitHub credentials, which its mask still recognises', async () => {
    // The child that fingerprints runs from dist/ (the suite builds it first).
    const token = 'ghp_daemon_recognises_0123456789abcdef';
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'app.pem'), PEM);
    const file = path.join(dir, 'secrets.json');
    const base = { webhookSecret: 'w'.repeat(32), dashboardToken: 'd'.repeat(24), vapid: { publicKey: 'pub', privateKey: 'p'.repeat(20) } };
    fs.writeFileSync(file, JSON.stringify({ ...base, githubToken: token, githubApp: { appId: 3, privateKeyPath: 'app.pem' } }));
    const secrets = loadDaemonSecrets(file, { PATH: process.env.PATH });
    expect(secrets.githubToken).toBeUndefined();
    expect(secrets.githubApp).toBeUndefined();
    expect(JSON.stringify(secrets)).not.toContain(token);
    const mask = secretMask();
    expect(mask.redact(`issue body: ${token}`)).toBe(`issue body: ${REDACTED}`);
    expect(mask.carries({ action: 'github.comment', params: { body: `key ${PEM_LINES[3]}` } })).toBe(true);
    expect(mask.redact(`not a secret ${'w'.repeat(31)}`)).toBe(`not a secret ${'w'.repeat(31)}`);
  });

  it('fail with the reason when the GitHub credentials cannot be read', () => {
    const file = path.join(tempDir(), 'secrets.json');
    const base = { webhookSecret: 'w'.repeat(32), dashboardToken: 'd'.repeat(24), vapid: { publicKey: 'pub', privateKey: 'p'.repeat(20) } };
    fs.writeFileSync(file, JSON.stringify({ ...base, githubApp: { appId: 3, privateKeyPath: 'missing.pem' } }));
    expect(() => loadDaemonSecrets(file, { PATH: process.env.PATH })).toThrow(/GitHub credentials could not be read: .*privateKeyPath/);
  });
});

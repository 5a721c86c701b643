import { describe, expect, it } from 'vitest';
import { verifyCapability } from '../../src/notify/index.js';
import { signCapability } from '../../src/notify/capability.js';

const KEY = 'k'.repeat(64);
const EXPIRES = Date.parse('2026-05-01T12:00:00Z');
const NOW = EXPIRES - 3_600_000;

describe('capability tokens', () => {
  const token = signCapability(KEY, { approvalId: 'k7m2q9xa', answer: 'approve', expiresAt: EXPIRES });

  it('verify for exactly the approval, answer and time they were made for', () => {
    const check = verifyCapability(KEY, token, { approvalId: 'k7m2q9xa', answer: 'approve', now: NOW });
    expect(check).toMatchObject({ ok: true, claims: { approvalId: 'k7m2q9xa', answer: 'approve', expiresAt: EXPIRES } });
    // Every token has its own nonce, which is what single use is enforced on.
    const again = signCapability(KEY, { approvalId: 'k7m2q9xa', answer: 'approve', expiresAt: EXPIRES });
    expect(again).not.toBe(token);
  });

  it('refuse another approval, the other answer, expiry, another key, and any edit', () => {
    const expect403 = (t: string, over: Partial<{ approvalId: string; answer: 'approve' | 'deny'; now: number }>, key = KEY) =>
      verifyCapability(key, t, { approvalId: 'k7m2q9xa', answer: 'approve', now: NOW, ...over });
    expect(expect403(token, { approvalId: 'zzzzzzzz' })).toEqual({ ok: false, reason: 'the token is for another approval' });
    expect(expect403(token, { answer: 'deny' })).toEqual({ ok: false, reason: 'the token is for "approve"' });
    expect(expect403(token, { now: EXPIRES })).toEqual({ ok: false, reason: 'the token has expired' });
    expect(expect403(token, {}, 'x'.repeat(64))).toEqual({ ok: false, reason: 'bad signature' });
    // Moving the expiry (or the id) inside the token breaks its signature.
    const later = token.replace(`.${EXPIRES}.`, `.${EXPIRES + 86_400_000}.`);
    expect(expect403(later, { now: EXPIRES + 1 })).toEqual({ ok: false, reason: 'bad signature' });
    const forOther = token.replace('.k7m2q9xa.', '.zzzzzzzz.');
    expect(expect403(forOther, { approvalId: 'zzzzzzzz' })).toEqual({ ok: false, reason: 'bad signature' });
    expect(expect403('v1.nonsense', {})).toEqual({ ok: false, reason: 'malformed token' });
  });
});

describe('capability tokens at their edges', () => {
  const claims = { approvalId: 'k7m2q9xa', answer: 'approve' as const, expiresAt: EXPIRES };
  const expected = { approvalId: 'k7m2q9xa', answer: 'approve' as const, now: NOW };

  it('a MAC of another length is a bad signature, not a crash (a link cut short in a chat)', () => {
    const token = signCapability(KEY, claims);
    expect(verifyCapability(KEY, token.slice(0, -5), expected)).toEqual({ ok: false, reason: 'bad signature' });
    expect(verifyCapability(KEY, `${token}AAAA`, expected)).toEqual({ ok: false, reason: 'bad signature' });
    expect(verifyCapability(KEY, token.slice(0, token.lastIndexOf('.') + 1), expected)).toEqual({ ok: false, reason: 'bad signature' });
  });

  it('another version or another number of parts is malformed', () => {
    const token = signCapability(KEY, claims);
    expect(verifyCapability(KEY, token.replace(/^v1\./, 'v2.'), expected)).toEqual({ ok: false, reason: 'malformed token' });
    expect(verifyCapability(KEY, `${token}.extra`, expected)).toEqual({ ok: false, reason: 'malformed token' });
  });

  it('an expiry that is not a whole number of ms never makes a token valid forever, even under the right key', () => {
    for (const expiresAt of [Number.NaN, Number.POSITIVE_INFINITY, EXPIRES + 0.5]) {
      expect(verifyCapability(KEY, signCapability(KEY, { ...claims, expiresAt }), expected), String(expiresAt)).toEqual({ ok: false, reason: 'malformed token' });
    }
  });

  it('each token carries its own unguessable nonce (96 bits), the one single use is spent on', () => {
    const nonces = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const check = verifyCapability(KEY, signCapability(KEY, claims), expected);
      if (!check.ok) throw new Error(check.reason);
      expect(check.claims.nonce).toMatch(/^[A-Za-z0-9_-]{16}$/);
      nonces.add(check.claims.nonce);
    }
    expect(nonces.size).toBe(50);
    const given = verifyCapability(KEY, signCapability(KEY, { ...claims, nonce: 'given-nonce' }), expected);
    expect(given).toMatchObject({ ok: true, claims: { nonce: 'given-nonce' } });
  });

  it('the scope is signed: an approval\'s token cannot accept a suggested rule, nor the other way round', () => {
    const approval = signCapability(KEY, claims);
    const rule = signCapability(KEY, claims, 'rule');
    expect(verifyCapability(KEY, approval, expected, 'rule')).toEqual({ ok: false, reason: 'bad signature' });
    expect(verifyCapability(KEY, rule, expected)).toEqual({ ok: false, reason: 'bad signature' });
    expect(verifyCapability(KEY, rule, expected, 'rule')).toMatchObject({ ok: true });
    expect(verifyCapability(KEY, rule, { ...expected, approvalId: 'zzzzzzzz' }, 'rule')).toEqual({ ok: false, reason: 'the token is for another suggestion' });
  });
});

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

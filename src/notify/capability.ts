import crypto from 'node:crypto';

/**
 * Capability tokens for answering an approval from a notification without a login
 * (issue 6). A token names one approval, one answer and that approval's expiry, and
 * carries a random nonce; an HMAC-SHA256 under `secrets.json` `capabilityKey` makes it
 * unforgeable. Single use is enforced where it is spent (the `capability_uses` table):
 * the token itself cannot know it was used.
 *
 *   v1.<approval id>.<approve|deny>.<expiry ms>.<nonce>.<mac>
 *
 * The same tokens accept a permission rule vigil suggested (issue 15): `scope: 'rule'`,
 * the suggestion's id and `approve`. The scope is part of what the MAC covers, so a
 * token made for one can never be spent as the other.
 */
export type Answer = 'approve' | 'deny';

export interface CapabilityClaims {
  approvalId: string;
  answer: Answer;
  expiresAt: number;
  nonce: string;
}

export type CapabilityCheck = { ok: true; claims: CapabilityClaims } | { ok: false; reason: string };

const VERSION = 'v1';

/** What a token may be spent on: an approval's answer, or accepting a suggested rule. */
export type CapabilityScope = 'approval' | 'rule';

const MAC_PREFIX: Record<CapabilityScope, string> = { approval: 'vigil-capability:', rule: 'vigil-rule-suggestion:' };

export function signCapability(
  key: string,
  claims: Omit<CapabilityClaims, 'nonce'> & { nonce?: string },
  scope: CapabilityScope = 'approval',
): string {
  const nonce = claims.nonce ?? crypto.randomBytes(12).toString('base64url');
  const body = [VERSION, claims.approvalId, claims.answer, String(claims.expiresAt), nonce].join('.');
  return `${body}.${mac(key, body, scope)}`;
}

/** Checks the token against what the request asks for; `now` must be before the expiry it names. */
export function verifyCapability(
  key: string,
  token: string,
  expected: { approvalId: string; answer: Answer; now: number },
  scope: CapabilityScope = 'approval',
): CapabilityCheck {
  const parts = token.split('.');
  if (parts.length !== 6 || parts[0] !== VERSION) return { ok: false, reason: 'malformed token' };
  const [, approvalId, answer, expiry, nonce, given] = parts as [string, string, string, string, string, string];
  const body = parts.slice(0, 5).join('.');
  if (!sameMac(mac(key, body, scope), given)) return { ok: false, reason: 'bad signature' };
  if (approvalId !== expected.approvalId) return { ok: false, reason: `the token is for another ${scope === 'rule' ? 'suggestion' : 'approval'}` };
  if (answer !== expected.answer) return { ok: false, reason: `the token is for "${answer}"` };
  const expiresAt = Number(expiry);
  if (!Number.isSafeInteger(expiresAt)) return { ok: false, reason: 'malformed token' };
  if (expected.now >= expiresAt) return { ok: false, reason: 'the token has expired' };
  return { ok: true, claims: { approvalId, answer, expiresAt, nonce } };
}

function mac(key: string, body: string, scope: CapabilityScope): string {
  return crypto.createHmac('sha256', key).update(`${MAC_PREFIX[scope]}${body}`).digest('base64url');
}

function sameMac(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && crypto.timingSafeEqual(ba, bb);
}

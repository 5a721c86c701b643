import crypto from 'node:crypto';

/** `sha256=` and 64 hex digits: anything else cannot match, and is refused before the body is read. */
const SIGNATURE_RE = /^sha256=([0-9a-fA-F]{64})$/;

/** The HMAC the header claims, or undefined when the header cannot be a valid signature. */
export function parseSignature(header: string | undefined): Buffer | undefined {
  const match = header === undefined ? null : SIGNATURE_RE.exec(header);
  return match ? Buffer.from(match[1]!, 'hex') : undefined;
}

/**
 * HMAC-SHA256 over the exact bytes as they arrive, one per secret (the first is current,
 * the rest still verify while GitHub is switched over). Hashing the bytes, never a
 * decoded string: two byte sequences that decode to one text (an overlong or invalid
 * UTF-8 sequence, a BOM) must not share a signature.
 */
export class BodySigner {
  private readonly hmacs: crypto.Hmac[];

  constructor(secrets: readonly string[]) {
    this.hmacs = secrets.map((secret) => crypto.createHmac('sha256', secret));
  }

  update(chunk: Buffer): void {
    for (const hmac of this.hmacs) hmac.update(chunk);
  }

  /**
   * The replay key (the first 64 bits of the matching HMAC, 16 hex digits) when one
   * secret's HMAC equals `claimed`; undefined otherwise. Compared in constant time.
   */
  verify(claimed: Buffer): string | undefined {
    let key: string | undefined;
    for (const hmac of this.hmacs) {
      const digest = hmac.digest();
      if (!key && crypto.timingSafeEqual(digest, claimed)) key = digest.subarray(0, 8).toString('hex');
    }
    return key;
  }
}

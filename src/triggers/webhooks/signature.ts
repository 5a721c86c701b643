import crypto from 'node:crypto';

/** `sha256=` and 64 hex digits: anything else cannot match, and is refused before the body is read. */
const SIGNATURE_RE = /^sha256=([0-9a-fA-F]{64})$/;

/** The HMAC the header claims, or undefined when the header cannot be a valid signature. */
export function parseSignature(header: string | undefined): Buffer | undefined {
  const match = header === undefined ? null : SIGNATURE_RE.exec(header);
  return match ? Buffer.from(match[1]!, 'hex') : undefined;
}

/**
 * HMAC-SHA256 over the exact bytes as they arrive. Hashing the bytes, never a decoded
 * string: two byte sequences that decode to one text (an overlong or invalid UTF-8
 * sequence, a BOM) must not share a signature. The current secret hashes as the bytes
 * arrive; the older ones (still verifying while GitHub is switched over) only when it
 * does not match — every delivery hashed once per secret cost a hash per delivery.
 */
export class BodySigner {
  private readonly current: crypto.Hmac;

  constructor(private readonly secrets: readonly string[]) {
    this.current = crypto.createHmac('sha256', secrets[0] ?? '');
  }

  update(chunk: Buffer): void {
    this.current.update(chunk);
  }

  /**
   * The replay key when a secret's HMAC of the body (the bytes given to `update`;
   * `body()` joins them, asked only for an older secret) equals `claimed`, else
   * undefined; compared in constant time. The key is the first 64 bits
   * of the current secret's HMAC (16 hex digits), whichever secret matched: one body has
   * one key.
   */
  verify(claimed: Buffer, body: () => Buffer): string | undefined {
    if (this.secrets.length === 0) return undefined;
    const current = this.current.digest();
    const key = current.subarray(0, 8).toString('hex');
    if (crypto.timingSafeEqual(current, claimed)) return key;
    const older = this.secrets.slice(1);
    const bytes = older.length ? body() : undefined;
    for (const secret of older) {
      if (crypto.timingSafeEqual(crypto.createHmac('sha256', secret).update(bytes!).digest(), claimed)) return key;
    }
    return undefined;
  }
}

import type { IncomingMessage } from 'node:http';
import type { BodyBudget } from './body-budget.js';
import { refusal, rejected, WEBHOOK_BODY_LIMIT, type Refusal } from './delivery-headers.js';
import type { BodySigner } from './signature.js';

/** What a client told "busy" is asked to wait: about what two 25 MB bodies take on a slow line. */
export const BUSY_RETRY_AFTER_SECONDS = 5;

export interface SignedBody {
  bytes: Buffer;
  /** The replay key: see RawDelivery.bodyDigest. */
  bodyDigest: string;
}

export interface ReadOptions {
  /** The declared Content-Length; undefined for a chunked body. */
  length: number | undefined;
  budget: BodyBudget;
  timeoutMs: number;
  signer: BodySigner;
  /** The HMAC the sender claims. */
  signature: Buffer;
}

/**
 * Read a delivery's body and verify its signature over the exact bytes, holding the
 * body's size in the unverified-bytes budget while it is read: refused at once (503)
 * when the declared length does not fit, cut when it does not arrive within
 * `timeoutMs` (408). A chunked body reserves as it arrives. 'gone': the client left.
 */
export function readSignedBody(req: IncomingMessage, options: ReadOptions): Promise<SignedBody | Refusal | 'gone'> {
  const { length, budget, signer, signature } = options;
  return new Promise((resolve) => {
    let reserved = length ?? 0;
    if (!budget.tryTake(reserved)) return resolve(busy());
    // The chunks as the socket gave them, joined only once the signature holds: a
    // forged 24 MB body never costs a second 24 MB (issue 12's unsigned-load RSS bound).
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;

    const finish = (outcome: SignedBody | Refusal | 'gone'): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('close', onGone).off('error', onGone);
      // A refused body's rest is discarded as it comes, never kept (see the route's refuse).
      if (outcome !== 'gone' && !('bytes' in outcome)) req.resume();
      budget.give(reserved);
      resolve(outcome);
    };
    const onData = (chunk: Buffer): void => {
      // Declared lengths were reserved whole (Node's parser never delivers more than
      // Content-Length); a chunked body takes its budget as it comes.
      if (length === undefined) {
        if (received + chunk.length > WEBHOOK_BODY_LIMIT) return finish(rejected('too_large', 'VIGIL_ERR_WEBHOOK_TOO_LARGE', `the body is over ${WEBHOOK_BODY_LIMIT} bytes`));
        if (!budget.tryTake(chunk.length)) return finish(busy());
        reserved += chunk.length;
      }
      chunks.push(chunk);
      received += chunk.length;
      signer.update(chunk);
    };
    const onEnd = (): void => {
      if (received === 0) return finish(rejected('empty', 'VIGIL_ERR_WEBHOOK_BODY', 'the body is empty'));
      let joined: Buffer | undefined;
      const bytes = (): Buffer => (joined ??= Buffer.concat(chunks, received));
      const bodyDigest = signer.verify(signature, bytes);
      if (!bodyDigest) return finish(rejected('signature', 'VIGIL_ERR_SIGNATURE', 'X-Hub-Signature-256'));
      finish({ bytes: bytes(), bodyDigest });
    };
    const onGone = (): void => finish('gone');
    const timer = setTimeout(() => {
      finish(refusal('VIGIL_ERR_WEBHOOK_TIMEOUT', `${received} of ${length ?? 'a chunked body of'} bytes in ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    timer.unref();
    req.on('data', onData).once('end', onEnd).once('close', onGone).once('error', onGone);
  });
}

function busy(): Refusal {
  return refusal('VIGIL_ERR_WEBHOOK_BUSY', 'too many unverified body bytes in flight', BUSY_RETRY_AFTER_SECONDS);
}

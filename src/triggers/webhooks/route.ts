import { isUtf8 } from 'node:buffer';
import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorText, isVigilError, VigilError } from '../../errors.js';
import { BodyBudget } from './body-budget.js';
import { checkDeliveryHeaders, deliveryNames, isRefusal, rejected, type Refusal } from './delivery-headers.js';
import type { WebhookIntake } from './intake.js';
import { readSignedBody } from './read-body.js';
import type { RejectionPath } from './rejection-summary.js';
import type { RejectionTally } from './rejections.js';
import { BodySigner } from './signature.js';

export { WEBHOOK_BODY_LIMIT } from './delivery-headers.js';

/**
 * Unverified body bytes held at once, across all connections: one of GitHub's largest
 * deliveries and room to spare; ordinary deliveries (~10 KB) fit by the thousand. 64 MB
 * was measured too much: with the refused bodies' rest drained and discarded (so their
 * 503s arrive), 20 unsigned 24 MB bodies took the RSS up by 110–115 MB (issue 12 allows
 * 100). A large delivery refused 503 is redelivered by the sweep (github.hookId).
 */
export const UNVERIFIED_BYTES_LIMIT = 32 * 1024 * 1024;

/** What a client told "not stored" is asked to wait: a lock or a full disk is not gone at once. */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

export interface WebhookRouteOptions {
  intake: WebhookIntake;
  /** First one is current; the rest still verify while GitHub is being switched over. */
  secrets: readonly string[];
  /** `http.bodyTimeoutSeconds`: a body must arrive within this, or the connection is cut. */
  bodyTimeoutMs: number;
  /** Defaults to UNVERIFIED_BYTES_LIMIT. */
  unverifiedBytesLimit?: number;
  /** Counts and logs refused deliveries (issue 20). */
  rejections?: RejectionTally;
  /**
   * The `proxy` query parameter vigil's own smee client adds to its target (proxy.ts): a
   * refusal carrying it is counted on the proxy path, with the delivery's id and event.
   */
  proxyKey?: string;
}

/**
 * `POST /webhooks/github`, encapsulated: its body handling applies to this route only.
 * Headers are judged before a byte of the body is read; the body is read within a
 * time limit and a shared budget of unverified bytes, its signature checked over the
 * exact bytes received; then parse, store durably, and only then answer — nothing slow
 * happens here.
 */
export async function githubWebhookRoutes(app: FastifyInstance, options: WebhookRouteOptions): Promise<void> {
  const budget = new BodyBudget(options.unverifiedBytesLimit ?? UNVERIFIED_BYTES_LIMIT);

  app.removeAllContentTypeParsers();
  // Hand the body over unread: the handler reads it, once the headers pass.
  app.addContentTypeParser('*', (_req, _payload, done) => done(null));

  // No security headers here: GitHub reads only the status, and helmet costs ~8 % of a delivery.
  app.post('/webhooks/github', { helmet: false }, async (req, reply) => {
    const headers = checkDeliveryHeaders(req.headers);
    if (isRefusal(headers)) return refuse(reply, options, headers);
    const body = await readSignedBody(req.raw, {
      length: headers.length,
      budget,
      timeoutMs: options.bodyTimeoutMs,
      signer: new BodySigner(options.secrets),
      signature: headers.signature,
    });
    if (body === 'gone') return reply.hijack();
    if (isRefusal(body)) return refuse(reply, options, body);
    // Verified; GitHub sends UTF-8. Decoding other bytes would store text that is not what was signed.
    if (!isUtf8(body.bytes)) return refuse(reply, options, rejected('not_utf8', 'VIGIL_ERR_WEBHOOK_BODY', 'the body is not UTF-8'));
    const { event, deliveryId, contentType } = headers;
    let stored;
    try {
      // Parsing and the durable write happen in the group commit; the answer waits for both.
      stored = await options.intake.store({ deliveryId, event, body: body.bytes.toString('utf8'), contentType, bodyDigest: body.bodyDigest });
    } catch (err) {
      // Never a 2xx for what is not durable; GitHub's redelivery (or the sweep) brings it back.
      const unavailable = isVigilError(err, 'VIGIL_ERR_WEBHOOK_UNAVAILABLE') ? err : new VigilError('VIGIL_ERR_WEBHOOK_UNAVAILABLE', errorText(err), { cause: err });
      return refuse(reply, options, unavailable, UNAVAILABLE_RETRY_AFTER_SECONDS);
    }
    if (stored.status === 'invalid') return refuse(reply, options, rejected('not_json', 'VIGIL_ERR_WEBHOOK_BODY', `the ${contentType} body does not parse`));
    if (stored.status === 'replayed') return reply.code(200).send({ status: 'replayed', kind: stored.kind });
    return reply
      .code(stored.status === 'stored' ? 202 : 200)
      .send({ status: stored.status, eventId: stored.eventId, kind: stored.kind });
  });
}

/** Count a refusal of the delivery itself (the cold path: an accepted delivery never comes here), then answer it. */
function refuse(reply: FastifyReply, options: WebhookRouteOptions, refused: Refusal | VigilError, retryAfterSeconds?: number): never {
  if (options.rejections && 'reason' in refused && refused.reason) {
    const path = pathOf(reply.request, options.proxyKey);
    options.rejections.note(refused.reason, path, path === 'proxy' ? deliveryNames(reply.request.headers) : undefined);
  }
  return refuseReply(reply, refused, retryAfterSeconds);
}

/**
 * Refuse a delivery: thrown, so the daemon's error handler answers with the code's
 * status and the one error body (src/daemon/http-errors.ts). A sender too slow is cut.
 * Any other that is still sending keeps sending while the answer goes out: what it
 * still sends is discarded unread (Node drains an unread body), never buffered, for at
 * most LINGER_MS. Closing at once would reset the connection with the sender's bytes
 * unread, and a reset can throw away the answer before the sender reads it (a
 * "lingering close", as nginx and Apache do).
 */
function refuseReply(reply: FastifyReply, refused: Refusal | VigilError, retryAfterSeconds = (refused as Refusal).retryAfterSeconds): never {
  const error = refused instanceof VigilError ? refused : new VigilError(refused.code, refused.message);
  const req = reply.request.raw;
  if (!req.complete) {
    if (error.code === 'VIGIL_ERR_WEBHOOK_TIMEOUT') reply.header('connection', 'close');
    else cutAfterLinger(req);
  }
  if (retryAfterSeconds !== undefined) reply.header('retry-after', String(retryAfterSeconds));
  throw error;
}

/** Whether the request came from vigil's own smee client: its key, compared in constant time. */
function pathOf(req: FastifyRequest, proxyKey: string | undefined): RejectionPath {
  const given = (req.query as Record<string, unknown> | undefined)?.proxy;
  if (!proxyKey || typeof given !== 'string' || given.length !== proxyKey.length) return 'direct';
  return crypto.timingSafeEqual(Buffer.from(given), Buffer.from(proxyKey)) ? 'proxy' : 'direct';
}

/** How long an unread body may go on being discarded after its refusal. */
const LINGER_MS = 2000;

function cutAfterLinger(req: IncomingMessage): void {
  const timer = setTimeout(() => req.socket.destroy(), LINGER_MS);
  timer.unref();
  req.once('end', () => clearTimeout(timer));
  req.socket.once('close', () => clearTimeout(timer));
}

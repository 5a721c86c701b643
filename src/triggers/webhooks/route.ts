import { isUtf8 } from 'node:buffer';
import crypto from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { errorText, isVigilError, VigilError } from '../../errors.js';
import { discardThenCut } from '../../lingering-close.js';
import { secretMask } from '../../secrets/index.js';
import { BodyBudget } from './body-budget.js';
import { checkDeliveryHeaders, deliveryNames, isRefusal, rejected, type Refusal } from './delivery-headers.js';
import type { DeliveryIntake } from './intake-types.js';
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
  intake: DeliveryIntake;
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
  /** How long a refused body still arriving is discarded before its connection is cut; defaults to lingering-close.ts's LINGER_MS (a test shortens it). */
  lingerMs?: number;
}

export type WebhookHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * `POST /webhooks/github` on Node's own HTTP server, in front of the app (issue 18: a
 * delivery pays for neither fastify's routing nor its hooks; measured in the README).
 * Headers are judged before a byte of the body is read; the body is read within a time
 * limit and a shared budget of unverified bytes, its signature checked over the exact
 * bytes received; then parse, store durably, and only then answer — nothing slow
 * happens here. Every answer is JSON, errors the one `{ code, message }` body
 * (docs/contract.md), and every answer passes the secrets redaction as the app's do.
 */
export function githubWebhookHandler(options: WebhookRouteOptions): WebhookHandler {
  const budget = new BodyBudget(options.unverifiedBytesLimit ?? UNVERIFIED_BYTES_LIMIT);
  return (req, res) => {
    take(req, res, options, budget).catch((err: unknown) => {
      // A fault of the daemon: 500, and its text stays inside (as http-errors.ts does).
      if (!res.headersSent) answer(res, 500, new VigilError('VIGIL_ERR_INTERNAL').toJSON());
      else res.destroy(err instanceof Error ? err : undefined);
    });
  };
}

async function take(req: IncomingMessage, res: ServerResponse, options: WebhookRouteOptions, budget: BodyBudget): Promise<void> {
  const headers = checkDeliveryHeaders(req.headers);
  if (isRefusal(headers)) return refuse(req, res, options, headers);
  const body = await readSignedBody(req, {
    length: headers.length,
    budget,
    timeoutMs: options.bodyTimeoutMs,
    signer: new BodySigner(options.secrets),
    signature: headers.signature,
  });
  // The client left: nobody to answer.
  if (body === 'gone') return;
  if (isRefusal(body)) return refuse(req, res, options, body);
  // Verified; GitHub sends UTF-8. Decoding other bytes would store text that is not what was signed.
  if (!isUtf8(body.bytes)) return refuse(req, res, options, rejected('not_utf8', 'VIGIL_ERR_WEBHOOK_BODY', 'the body is not UTF-8'));
  const { event, deliveryId, contentType } = headers;
  let stored;
  try {
    // Parsing and the durable write happen in the group commit; the answer waits for both.
    stored = await options.intake.store({ deliveryId, event, body: body.bytes.toString('utf8'), bytes: body.bytes, contentType, bodyDigest: body.bodyDigest });
  } catch (err) {
    // Never a 2xx for what is not durable; GitHub's redelivery (or the sweep) brings it back.
    const unavailable = isVigilError(err, 'VIGIL_ERR_WEBHOOK_UNAVAILABLE') ? err : new VigilError('VIGIL_ERR_WEBHOOK_UNAVAILABLE', errorText(err), { cause: err });
    return refuse(req, res, options, unavailable, UNAVAILABLE_RETRY_AFTER_SECONDS);
  }
  if (stored.status === 'invalid') return refuse(req, res, options, rejected('not_json', 'VIGIL_ERR_WEBHOOK_BODY', `the ${contentType} body does not parse`));
  if (stored.status === 'replayed') return answer(res, 200, { status: 'replayed', kind: stored.kind });
  answer(res, stored.status === 'stored' ? 202 : 200, { status: stored.status, eventId: stored.eventId, kind: stored.kind });
}

/** One JSON answer; its text passes the redaction every HTTP answer passes (web/redact-answers.ts). */
function answer(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  const text = secretMask().redact(JSON.stringify(body));
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

/**
 * Refuse a delivery (the cold path: an accepted delivery never comes here): counted,
 * then answered with the code's status and the one error body. A sender too slow is
 * cut. Any other that is still sending keeps sending while the answer goes out: what
 * it still sends is discarded unread (Node drains an unread body), never buffered, for
 * at most LINGER_MS (lingering-close.ts). Closing at once would reset the connection with the sender's
 * bytes unread, and a reset can throw away the answer before the sender reads it (a
 * "lingering close", as nginx and Apache do).
 */
function refuse(
  req: IncomingMessage,
  res: ServerResponse,
  options: WebhookRouteOptions,
  refused: Refusal | VigilError,
  retryAfterSeconds = (refused as Refusal).retryAfterSeconds,
): void {
  if (options.rejections && 'reason' in refused && refused.reason) {
    const path = pathOf(req.url, options.proxyKey);
    options.rejections.note(refused.reason, path, path === 'proxy' ? deliveryNames(req.headers as IncomingHttpHeaders) : undefined);
  }
  const error = refused instanceof VigilError ? refused : new VigilError(refused.code, refused.message);
  const headers: Record<string, string> = {};
  if (!req.complete) {
    if (error.code === 'VIGIL_ERR_WEBHOOK_TIMEOUT') headers.connection = 'close';
    else discardThenCut(req, options.lingerMs);
  }
  if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
  answer(res, error.httpStatus, error.toJSON(), headers);
}

/** Whether the request came from vigil's own smee client: its key, compared in constant time. */
function pathOf(url: string | undefined, proxyKey: string | undefined): RejectionPath {
  const query = url?.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
  const given = new URLSearchParams(query).get('proxy');
  if (!proxyKey || given === null || given.length !== proxyKey.length) return 'direct';
  return crypto.timingSafeEqual(Buffer.from(given), Buffer.from(proxyKey)) ? 'proxy' : 'direct';
}


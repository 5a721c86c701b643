import type { IncomingHttpHeaders } from 'node:http';
import type { ErrorCode } from '../../errors.js';
import type { RejectionReason } from './rejection-summary.js';
import { parseSignature } from './signature.js';

/** GitHub's own cap on a delivery is 25 MB; anything larger is not from GitHub. */
export const WEBHOOK_BODY_LIMIT = 25 * 1024 * 1024;

/**
 * What GitHub sends (issue 12). The headers are not signed, and the event name and the
 * delivery id end up in kinds, rows and log lines: only these shapes are let in. The
 * issue's `[a-z_]` would refuse GitHub's own `projects_v2`, `projects_v2_item` and
 * `projects_v2_status_update`: digits after the first letter are allowed.
 */
const EVENT_RE = /^[a-z][a-z0-9_]{0,63}$/;
const DELIVERY_RE = /^[0-9a-fA-F-]{8,64}$/;
const MEDIA_TYPES = new Set(['application/json', 'application/x-www-form-urlencoded']);

/** A request the route refuses, with `Retry-After` when it says so; the code's registry entry holds the status. */
export interface Refusal {
  code: ErrorCode;
  message: string;
  retryAfterSeconds?: number;
  /** Set when the delivery itself is refused (counted, issue 20); absent for the daemon's own state (busy, slow). */
  reason?: RejectionReason;
}

export interface DeliveryHeaders {
  event: string;
  deliveryId: string;
  /** The media type, lower case, without parameters. */
  contentType: string;
  /** The declared Content-Length; undefined for a chunked body. */
  length: number | undefined;
  /** The HMAC the sender claims. */
  signature: Buffer;
}

/** Everything that can be judged before a byte of the body is read. */
export function checkDeliveryHeaders(headers: IncomingHttpHeaders): DeliveryHeaders | Refusal {
  const event = single(headers['x-github-event']);
  const deliveryId = single(headers['x-github-delivery']);
  if (!event || !EVENT_RE.test(event) || !deliveryId || !DELIVERY_RE.test(deliveryId)) {
    return rejected('headers', 'VIGIL_ERR_WEBHOOK_HEADERS', 'X-GitHub-Event ([a-z][a-z0-9_]{0,63}) and X-GitHub-Delivery ([0-9a-f-]{8,64}) are required');
  }
  // Up to the first ';' (its parameters). Not `split(';')[0]!`: Stryker's instrumenter
  // cannot mutate a method call chained after a non-null assertion in an optional chain.
  const contentType = single(headers['content-type'])?.replace(/;.*/s, '').trim().toLowerCase();
  if (!contentType || !MEDIA_TYPES.has(contentType)) {
    return rejected('content_type', 'VIGIL_ERR_WEBHOOK_HEADERS', 'Content-Type must be application/json or application/x-www-form-urlencoded');
  }
  const chunked = headers['transfer-encoding'] !== undefined;
  const length = chunked ? undefined : Number(headers['content-length'] ?? 0);
  if (length === 0) return rejected('empty', 'VIGIL_ERR_WEBHOOK_BODY', 'the body is empty');
  if (length !== undefined && length > WEBHOOK_BODY_LIMIT) {
    return rejected('too_large', 'VIGIL_ERR_WEBHOOK_TOO_LARGE', `Content-Length ${length} is over ${WEBHOOK_BODY_LIMIT}`);
  }
  const signature = parseSignature(single(headers['x-hub-signature-256']));
  if (!signature) return rejected('signature', 'VIGIL_ERR_SIGNATURE', 'X-Hub-Signature-256');
  return { event, deliveryId, contentType, length, signature };
}

export function refusal(code: ErrorCode, message: string, retryAfterSeconds?: number): Refusal {
  return { code, message, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) };
}

/** A refusal of the delivery itself, counted by `reason`. */
export function rejected(reason: RejectionReason, code: ErrorCode, message: string): Refusal {
  return { code, message, reason };
}

/**
 * The names of a refused delivery, for the proxy path's log line: only when the headers
 * have GitHub's shapes, so nothing the sender chose beyond those patterns is repeated.
 */
export function deliveryNames(headers: IncomingHttpHeaders): { deliveryId: string; event: string } | undefined {
  const event = single(headers['x-github-event']);
  const deliveryId = single(headers['x-github-delivery']);
  return event && EVENT_RE.test(event) && deliveryId && DELIVERY_RE.test(deliveryId) ? { deliveryId, event } : undefined;
}

export function isRefusal(value: object): value is Refusal {
  return 'code' in value;
}

/** Node joins a repeated header with ", ", which no pattern above lets through. */
function single(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value.join(', ') : value;
  return first?.trim() || undefined;
}

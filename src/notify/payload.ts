import crypto from 'node:crypto';
import type { Notification } from './types.js';

/**
 * Push services take at most 4 KB of encrypted payload (RFC 8291 leaves ~3.9 KB of
 * text); vigil keeps its JSON under 3 KB so headers and padding never push it over.
 */
export const PUSH_PAYLOAD_MAX_BYTES = 3072;

/** What the service worker receives (src/web/assets/sw.ts reads exactly these fields). */
export interface PushPayload {
  title: string;
  body: string;
  urgency: string;
  tag?: string;
  url: string;
  approval?: { id: string; expiresAt: string; approveToken: string; denyToken: string };
  rule?: { id: string; token: string };
}

export function pushPayload(n: Notification): PushPayload {
  return {
    title: n.title,
    body: n.body,
    urgency: n.urgency,
    ...(n.tag ? { tag: n.tag } : {}),
    url: n.path ?? '/',
    ...(n.approval
      ? {
          approval: {
            id: n.approval.id,
            expiresAt: new Date(n.approval.expiresAt).toISOString(),
            approveToken: n.approval.approveToken,
            denyToken: n.approval.denyToken,
          },
        }
      : {}),
    ...(n.rule ? { rule: { id: n.rule.id, token: n.rule.token } } : {}),
  };
}

/** The JSON text, with the body (then the title) cut to fit under the limit. */
export function encodePushPayload(n: Notification, maxBytes = PUSH_PAYLOAD_MAX_BYTES): string {
  let payload = pushPayload(n);
  let json = JSON.stringify(payload);
  if (Buffer.byteLength(json) <= maxBytes) return json;
  for (const field of ['body', 'title'] as const) {
    payload = { ...payload, [field]: longestFitting(payload, field, maxBytes) };
    json = JSON.stringify(payload);
    if (Buffer.byteLength(json) <= maxBytes) return json;
  }
  throw new Error(`a push payload cannot fit in ${maxBytes} bytes`);
}

/** Binary search over code points, so no character is cut in half. */
function longestFitting(payload: PushPayload, field: 'body' | 'title', maxBytes: number): string {
  const chars = Array.from(payload[field]);
  const fits = (n: number) => {
    const text = n < chars.length ? `${chars.slice(0, n).join('')}…` : payload[field];
    return Buffer.byteLength(JSON.stringify({ ...payload, [field]: text })) <= maxBytes;
  };
  let lo = 0;
  let hi = chars.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo < chars.length ? `${chars.slice(0, lo).join('')}…` : payload[field];
}

/** RFC 8030 `Topic`: at most 32 characters of the URL-safe base64 alphabet. */
export function pushTopic(tag: string): string {
  if (/^[A-Za-z0-9_-]{1,32}$/.test(tag)) return tag;
  return crypto.createHash('sha256').update(tag).digest('base64url').slice(0, 32);
}

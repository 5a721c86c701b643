import crypto from 'node:crypto';
import { errorText, VigilError } from '../../errors.js';

/** What the daemon's webhook route said to one simulated delivery. */
export interface Accepted {
  deliveryId: string;
  eventId: number;
  kind: string;
}

/**
 * The delivery as GitHub makes it: the body signed with HMAC-SHA256 under the webhook
 * secret (`X-Hub-Signature-256`), the event name and a fresh delivery id in headers.
 * The daemon verifies it exactly as it verifies GitHub's (src/triggers/webhooks).
 */
export function signBody(secret: string, body: string): string {
  return 'sha256=' + crypto.createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * The body with a field that tells this delivery apart. The daemon decides a body once
 * and answers a body it already stored under another delivery id as a replay (GitHub
 * signs bodies, not headers: issue 12); without it, simulating the same payload twice
 * would be decided once.
 */
export function simulatedBody(payload: Record<string, unknown>, deliveryId: string, now: Date): string {
  return JSON.stringify({ ...payload, vigil_simulation: { deliveryId, at: now.toISOString() } });
}

export async function postDelivery(baseUrl: string, secret: string, event: string, payload: Record<string, unknown>, now: Date): Promise<Accepted> {
  const deliveryId = crypto.randomUUID();
  const body = simulatedBody(payload, deliveryId, now);
  const url = `${baseUrl}/webhooks/github`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'vigil-simulate',
        'x-github-event': event,
        'x-github-delivery': deliveryId,
        'x-hub-signature-256': signBody(secret, body),
      },
      body,
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    throw new VigilError('VIGIL_ERR_NOT_RUNNING', `${url}: ${errorText(err)}`, { cause: err });
  }
  const answer = (await res.json().catch(() => ({}))) as { status?: string; eventId?: number; kind?: string; code?: string; message?: string };
  if (res.status === 401) {
    throw new VigilError(
      'VIGIL_ERR_SIMULATE_REFUSED',
      `the daemon refused the signature (HTTP 401): the webhook secret may not match — this command signs with webhookSecret from secrets.json (or GITHUB_WEBHOOK_SECRET in its environment), the daemon checks with its own`,
    );
  }
  if (res.status !== 202 || answer.status !== 'stored' || typeof answer.eventId !== 'number') {
    const said = answer.code ? `${answer.code}: ${answer.message ?? ''}` : `status ${JSON.stringify(answer.status ?? null)}`;
    throw new VigilError('VIGIL_ERR_SIMULATE_REFUSED', `the daemon did not take the delivery as new (HTTP ${res.status}, ${said})`);
  }
  return { deliveryId, eventId: answer.eventId, kind: answer.kind ?? '' };
}

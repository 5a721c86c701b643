// Closed-loop load of signed webhook deliveries (autocannon): each request its own
// delivery id, written into the body before it is signed, so every delivery is new to
// the target (an identical body would be a replay). Shared by the webhooks and team benches.
import { createHmac } from 'node:crypto';
import autocannon from 'autocannon';

/** The example payload with the delivery id as its first key: unique bytes per delivery. */
export function deliveryBody(payload, id) {
  return Buffer.concat([Buffer.from(`{"bench_delivery":"${id}",`), payload.subarray(1)]);
}

export function signBody(secret, body) {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * One autocannon run for `seconds` over `connections`, POSTing to `url`. `idOf(n)` names
 * the n-th delivery. Resolves with autocannon's result, the ids answered 2xx, how many
 * requests were built, and how many were still on the wire when autocannon stopped.
 * `session.loads`, when given, holds the run while it lasts (so a signal can stop it).
 */
export async function signedLoad({ url, payload, secret, headers, seconds, connections, idOf, session }) {
  const { origin, pathname } = new URL(url);
  let n = 0;
  let answered = 0;
  const acked = [];
  const instance = autocannon({
    url: origin,
    connections,
    pipelining: 1,
    duration: seconds,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: pathname,
        headers,
        body: payload,
        setupRequest(req, context) {
          const id = idOf(++n);
          context.id = id;
          req.body = deliveryBody(payload, id);
          req.headers['X-GitHub-Delivery'] = id;
          req.headers['X-Hub-Signature-256'] = signBody(secret, req.body);
          return req;
        },
        onResponse(status, _body, context) {
          answered++;
          if (status >= 200 && status < 300) acked.push(context.id);
        },
      },
    ],
  });
  session?.loads.add(instance);
  try {
    const result = await instance;
    // Requests are built right before they are written, so sent − answered is what
    // was on the wire when autocannon closed its connections.
    return { result, acked, sent: n, inFlightAtStop: n - answered };
  } finally {
    session?.loads.delete(instance);
  }
}

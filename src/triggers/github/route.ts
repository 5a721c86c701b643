import type { FastifyInstance, FastifyReply } from 'fastify';
import { Webhooks } from '@octokit/webhooks';
import type { ErrorCode } from '../../errors.js';
import type { WebhookIntake } from './intake.js';

/** GitHub's own cap on a delivery is 25 MB; anything larger is not from GitHub. */
export const WEBHOOK_BODY_LIMIT = 25 * 1024 * 1024;

export interface WebhookRouteOptions {
  intake: WebhookIntake;
  /** First one is current; the rest still verify while GitHub is being switched over. */
  secrets: readonly string[];
}

/**
 * `POST /webhooks/github`, encapsulated: its raw-string body parsing applies to this
 * route only. Check headers, verify the signature over the exact bytes received, parse,
 * store durably, and only then answer — nothing slow happens here.
 */
export async function githubWebhookRoutes(app: FastifyInstance, options: WebhookRouteOptions): Promise<void> {
  // Webhooks#verify checks its own secret only, so rotation keeps one verifier per secret.
  const verifiers = options.secrets.map((secret) => new Webhooks({ secret }));

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) => done(null, body));

  // No security headers here: GitHub reads only the status, and helmet costs ~8 % of a delivery.
  app.post<{ Body: string }>('/webhooks/github', { bodyLimit: WEBHOOK_BODY_LIMIT, helmet: false }, async (req, reply) => {
    const event = header(req.headers['x-github-event']);
    const deliveryId = header(req.headers['x-github-delivery']);
    if (!event || !deliveryId) {
      return refuse(reply, 400, 'VIGIL_ERR_WEBHOOK_HEADERS', 'X-GitHub-Event and X-GitHub-Delivery are required');
    }
    const signature = header(req.headers['x-hub-signature-256']);
    const body = typeof req.body === 'string' ? req.body : '';
    if (!signature || !(await verifyAny(verifiers, body, signature))) {
      return refuse(reply, 401, 'VIGIL_ERR_SIGNATURE', 'X-Hub-Signature-256 is missing or does not match');
    }
    // Parsing and the durable write happen in the group commit; the answer waits for both.
    const stored = await options.intake.store({ deliveryId, event, body, contentType: header(req.headers['content-type']) });
    if (stored.status === 'invalid') return refuse(reply, 400, 'VIGIL_ERR_WEBHOOK_BODY', 'the body is not a JSON payload');
    return reply
      .code(stored.status === 'stored' ? 202 : 200)
      .send({ status: stored.status, eventId: stored.eventId, kind: stored.kind });
  });
}

function header(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first?.trim() || undefined;
}

async function verifyAny(verifiers: readonly Webhooks[], body: string, signature: string): Promise<boolean> {
  for (const webhooks of verifiers) {
    try {
      if (await webhooks.verify(body, signature)) return true;
    } catch {
      // An empty body or a malformed header is simply not a valid signature.
    }
  }
  return false;
}

function refuse(reply: FastifyReply, status: number, code: ErrorCode, message: string): FastifyReply {
  return reply.code(status).send({ error: code, message });
}

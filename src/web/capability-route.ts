import type { FastifyInstance } from 'fastify';
import { isVigilError, VigilError } from '../errors.js';
import { eventRecord } from '../events.js';
import { verifyCapability } from '../notify/index.js';
import { CAPABILITY_RATE_LIMIT } from './security.js';
import type { WebDeps } from './types.js';

/**
 * `POST /push/approvals/:id/:answer` with `{ "token": … }`: what a notification's
 * Approve or Deny button sends (the service worker, or ntfy's http action). Outside the
 * login — the capability token is the credential — and refused unless the token is
 * genuine, for this approval and this answer, unexpired, bound to the approval's
 * expiry, and not used before. Every refusal is logged.
 */
export async function capabilityRoute(app: FastifyInstance, deps: WebDeps): Promise<void> {
  app.post<{ Params: { id: string; answer: string }; Body: { token?: unknown } }>(
    '/push/approvals/:id/:answer',
    { config: { rateLimit: CAPABILITY_RATE_LIMIT } },
    async (req, reply) => {
      const { id, answer } = req.params;
      if (answer !== 'approve' && answer !== 'deny') return reply.code(404).send({ error: 'not found' });
      const now = deps.clock.now();
      const refuse = (status: number, reason: string) => {
        deps.record(eventRecord('approval.capability_refused', { actionId: id, reason }, now));
        return reply.code(status).send(new VigilError('VIGIL_ERR_CAPABILITY', reason).toJSON());
      };
      const token = req.body?.token;
      if (typeof token !== 'string' || token.length > 512) return refuse(400, 'no token');
      const check = verifyCapability(deps.capabilityKey(), token, { approvalId: id, answer, now });
      if (!check.ok) return refuse(403, check.reason);
      const action = deps.store.actions.get(id);
      if (!action) return refuse(404, 'no such approval');
      if (action.expiresAt !== check.claims.expiresAt) return refuse(403, 'the token is not bound to this approval\'s expiry');
      if (!deps.store.capabilityUses.spend(check.claims.nonce, id, now)) return refuse(403, 'the token was already used');
      try {
        const answered = deps.answer(id, answer, 'push');
        return { id: answered.id, state: answered.state };
      } catch (err) {
        if (isVigilError(err, 'VIGIL_ERR_APPROVAL_NOT_FOUND')) return reply.code(404).send(err.toJSON());
        if (isVigilError(err, 'VIGIL_ERR_APPROVAL_CLOSED')) return reply.code(409).send(err.toJSON());
        throw err;
      }
    },
  );
}

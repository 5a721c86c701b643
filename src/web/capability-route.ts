import type { FastifyInstance } from 'fastify';
import type { Clock } from '../clock.js';
import { VigilError } from '../errors.js';
import { eventRecord, type EventRecord } from '../events.js';
import { describeAction, verifyCapability } from '../notify/index.js';
import { answerConfirmPage, answeredPage } from './answer-page.js';
import { CAPABILITY_RATE_LIMIT } from './security.js';
import type { WebDeps } from './types.js';

/**
 * What the capability route needs of its store: the SQLite daemon's (`sqliteCapability`)
 * or a team node's (src/daemon/team-app.ts, issue 19), where the token's nonce is spent
 * in the answer's own transaction.
 */
export interface CapabilityDeps {
  clock: Clock;
  capabilityKey(): string;
  /** The approval a token names: what its page shows, and the expiry the token must be bound to. */
  approval(id: string): Promise<{ action: string; params: unknown; expiresAt: number | null } | undefined>;
  /**
   * Spends the token's nonce and answers by `push`, once; 'used' when the nonce was
   * spent before. Throws VIGIL_ERR_APPROVAL_NOT_FOUND / _CLOSED.
   */
  spendAndAnswer(id: string, answer: 'approve' | 'deny', nonce: string, now: number): Promise<{ id: string; state: string } | 'used'>;
  /** Logs a refusal. */
  refused(record: EventRecord): Promise<void> | void;
}

/** The SQLite daemon's: the nonce spent, then the answer through the daemon's own path. */
export function sqliteCapability(deps: WebDeps): CapabilityDeps {
  return {
    clock: deps.clock,
    capabilityKey: () => deps.capabilityKey(),
    approval: async (id) => deps.store.actions.get(id),
    spendAndAnswer: async (id, answer, nonce, now) => (deps.store.capabilityUses.spend(nonce, id, now) ? deps.answer(id, answer, 'push') : 'used'),
    refused: (record) => deps.record(record),
  };
}

/**
 * `POST /push/approvals/:id/:answer` with `{ "token": … }`: what a notification's
 * Approve or Deny button sends (the service worker, or ntfy's http action). Outside the
 * login — the capability token is the credential — and refused unless the token is
 * genuine, for this approval and this answer, unexpired, bound to the approval's
 * expiry, and not used before. Every refusal is logged.
 */
export async function capabilityRoute(app: FastifyInstance, deps: CapabilityDeps): Promise<void> {
  // The one-tap link of a chat message or e-mail (issue 16): a page whose button posts the
  // token below. A GET never answers; the token is checked here only to say so early.
  app.get<{ Params: { id: string; answer: string }; Querystring: { token?: unknown } }>(
    '/push/approvals/:id/:answer',
    { config: { rateLimit: CAPABILITY_RATE_LIMIT } },
    async (req, reply) => {
      const { id, answer } = req.params;
      if (answer !== 'approve' && answer !== 'deny') throw new VigilError('VIGIL_ERR_NOT_FOUND', req.url);
      const token = req.query.token;
      if (typeof token !== 'string' || token.length > 512) throw new VigilError('VIGIL_ERR_CAPABILITY', 'no token', { httpStatus: 400 });
      const check = verifyCapability(deps.capabilityKey(), token, { approvalId: id, answer, now: deps.clock.now() });
      if (!check.ok) throw new VigilError('VIGIL_ERR_CAPABILITY', check.reason, { httpStatus: 403 });
      const action = await deps.approval(id);
      if (!action) throw new VigilError('VIGIL_ERR_CAPABILITY', 'no such approval', { httpStatus: 404 });
      const page = answerConfirmPage({ id, answer, token, summary: `${action.action}: ${describeAction(action)}` });
      // The token is in this page and its URL: no cache keeps it, no referrer carries it away.
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').send(page);
    },
  );

  app.post<{ Params: { id: string; answer: string }; Body: { token?: unknown } }>(
    '/push/approvals/:id/:answer',
    { config: { rateLimit: CAPABILITY_RATE_LIMIT } },
    async (req, reply) => {
      const { id, answer } = req.params;
      if (answer !== 'approve' && answer !== 'deny') throw new VigilError('VIGIL_ERR_NOT_FOUND', req.url);
      const now = deps.clock.now();
      // VIGIL_ERR_CAPABILITY is 403; a request without a token is 400, an unknown approval 404 (docs/contract.md).
      const refuse = async (httpStatus: number, reason: string): Promise<never> => {
        await deps.refused(eventRecord('approval.capability_refused', { actionId: id, reason }, now));
        throw new VigilError('VIGIL_ERR_CAPABILITY', reason, { httpStatus });
      };
      const token = req.body?.token;
      if (typeof token !== 'string' || token.length > 512) return refuse(400, 'no token');
      const check = verifyCapability(deps.capabilityKey(), token, { approvalId: id, answer, now });
      if (!check.ok) return refuse(403, check.reason);
      const action = await deps.approval(id);
      if (!action) return refuse(404, 'no such approval');
      if (action.expiresAt !== check.claims.expiresAt) return refuse(403, 'the token is not bound to this approval\'s expiry');
      // VIGIL_ERR_APPROVAL_NOT_FOUND (404) or VIGIL_ERR_APPROVAL_CLOSED (409) through the error handler.
      const answered = await deps.spendAndAnswer(id, answer, check.claims.nonce, now);
      if (answered === 'used') return refuse(403, 'the token was already used');
      // The confirmation page's form gets a page back; buttons in notifications get JSON.
      if (req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
        return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(answeredPage(answered));
      }
      return { id: answered.id, state: answered.state };
    },
  );
}

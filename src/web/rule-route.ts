import type { FastifyInstance } from 'fastify';
import type { Clock } from '../clock.js';
import { VigilError } from '../errors.js';
import { eventRecord, type EventRecord } from '../events.js';
import { verifyCapability } from '../notify/index.js';
import { ruleAcceptedPage, ruleConfirmPage } from './answer-page.js';
import { CAPABILITY_RATE_LIMIT } from './security.js';
import type { RuleSuggestion } from '../store/index.js';
import type { AcceptedRule, WebDeps } from './types.js';

/** What the route needs: the single daemon's store, or a team node's (src/daemon/team-rules.ts). */
export interface RuleRouteDeps {
  clock: Clock;
  capabilityKey(): string;
  /** The suggestion a token names, as it is now. */
  suggestion(id: string): Promise<RuleSuggestion | undefined>;
  /** Logs a refusal. */
  refused(record: EventRecord): Promise<void> | void;
  /** WebDeps.acceptRule: the rule into config.json, the token's nonce spent once, the config reloaded. */
  acceptRule(id: string, nonce: string): Promise<AcceptedRule>;
}

/** The SQLite daemon's. */
export function sqliteRules(deps: WebDeps): RuleRouteDeps {
  return {
    clock: deps.clock,
    capabilityKey: () => deps.capabilityKey(),
    suggestion: async (id) => deps.store.ownerAnswers.suggestion(id),
    refused: (record) => deps.record(record),
    acceptRule: (id, nonce) => deps.acceptRule(id, nonce),
  };
}

const MAX_TOKEN_CHARS = 512;

/**
 * A suggested permission rule's one-tap link (issue 15), outside the login like an
 * approval's buttons: the capability token is the credential. `GET` shows the rule and
 * a button (opening a link changes nothing: chat previews fetch links); `POST` with the
 * token adds it — only when the token is genuine, made for rules (an approval's token is
 * refused), for this suggestion, bound to its expiry, unexpired and never used. Every
 * refusal is logged `rule.capability_refused`.
 */
export async function ruleRoute(app: FastifyInstance, deps: RuleRouteDeps): Promise<void> {
  type Check = { ok: false; status: number; reason: string } | { ok: true; suggestion: RuleSuggestion; nonce: string };
  const refused = (status: number, reason: string): Check => ({ ok: false, status, reason });
  const check = async (id: string, token: unknown, now: number): Promise<Check> => {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_CHARS) return refused(400, 'no token');
    const verdict = verifyCapability(deps.capabilityKey(), token, { approvalId: id, answer: 'approve', now }, 'rule');
    if (!verdict.ok) return refused(403, verdict.reason);
    const suggestion = await deps.suggestion(id);
    if (!suggestion) return refused(404, 'no such suggestion');
    if (suggestion.expiresAt !== verdict.claims.expiresAt) return refused(403, "the token is not bound to this suggestion's expiry");
    if (suggestion.state !== 'offered') return refused(409, 'the rule was accepted already');
    return { ok: true, suggestion, nonce: verdict.claims.nonce };
  };

  app.get<{ Params: { id: string }; Querystring: { token?: unknown } }>(
    '/push/rules/:id',
    { config: { rateLimit: CAPABILITY_RATE_LIMIT } },
    async (req, reply) => {
      const result = await check(req.params.id, req.query.token, deps.clock.now());
      if (!result.ok) throw new VigilError('VIGIL_ERR_CAPABILITY', result.reason, { httpStatus: result.status });
      const { suggestion } = result;
      const rule = JSON.stringify({ action: suggestion.action, repo: suggestion.repo, decision: 'allow' }, null, 2);
      const summary = `You approved ${suggestion.action} on ${suggestion.repo} ${suggestion.approvals} times in a row. With this rule it runs without asking.`;
      const page = ruleConfirmPage({ id: suggestion.id, token: String(req.query.token), summary, rule });
      // The token is in this page and its URL: no cache keeps it, no referrer carries it away.
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').send(page);
    },
  );

  app.post<{ Params: { id: string }; Body: { token?: unknown } | undefined }>(
    '/push/rules/:id',
    { config: { rateLimit: CAPABILITY_RATE_LIMIT } },
    async (req, reply) => {
      const id: string = req.params.id;
      const result = await check(id, req.body?.token, deps.clock.now());
      if (!result.ok) {
        await deps.refused(eventRecord('rule.capability_refused', { suggestionId: id.slice(0, 64), reason: result.reason }, deps.clock.now()));
        throw new VigilError('VIGIL_ERR_CAPABILITY', result.reason, { httpStatus: result.status });
      }
      const accepted = await deps.acceptRule(id, result.nonce);
      if (req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
        const page = ruleAcceptedPage({ rule: JSON.stringify(accepted.rule, null, 2), reloaded: accepted.reloaded });
        return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page);
      }
      return accepted;
    },
  );
}

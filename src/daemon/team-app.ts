import type http from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../clock.js';
import { VigilError } from '../errors.js';
import type { EventRecord } from '../events.js';
import { answerTeamApproval } from '../initiative/index.js';
import type { PgStore } from '../store/index.js';
import { loadAssetRoutes, loadCapabilityRoute, registerSecurity, type CapabilityDeps } from '../web/index.js';
import { answerErrorsAsVigil } from './http-errors.js';

export interface TeamAppDeps {
  store: PgStore;
  clock: Clock;
  /** The HMAC key of the capability tokens (secrets.json `capabilityKey`, the same on every node of a team). */
  capabilityKey(): string;
  /** An approval was granted: the node's worker may look now. */
  approved(): void;
  /** Lines for the node's chain. */
  record(records: EventRecord[]): Promise<void>;
}

/**
 * What a node on PostgreSQL answers beyond `/healthz` and the webhook route (issue 19):
 * a notification's Approve and Deny (`/push/approvals/:id/:answer`), whichever node the
 * owner's device reaches — the token's nonce spent in the answer's own transaction, so a
 * token answers once across all nodes — and the public assets its pages link to. The dashboard and the rest of the API still read
 * the SQLite store: every other route says so — 501 with the one error body — rather
 * than answer from a home that holds nothing.
 */
export function teamApp(deps: TeamAppDeps) {
  return async function buildTeamApp(serverFactory: (handler: (req: http.IncomingMessage, res: http.ServerResponse) => void) => http.Server): Promise<FastifyInstance> {
    const { default: Fastify } = await import('fastify');
    const app = Fastify({ serverFactory, logger: false, bodyLimit: 1 << 20 });
    answerErrorsAsVigil(app);
    await registerSecurity(app);
    const [{ capabilityRoute }, { assetRoutes }] = await Promise.all([loadCapabilityRoute(), loadAssetRoutes()]);
    // The confirmation page is the SQLite one: its style and script are public and hold no data.
    await app.register(assetRoutes);
    await app.register(async (scope) => {
      // The confirmation page's button posts a form.
      scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(String(body))));
      });
      await capabilityRoute(scope, teamCapability(deps));
    });
    app.all('/*', async (req) => {
      // The method and path only: a query string may carry a token.
      throw new VigilError('VIGIL_ERR_TEAM_UNSUPPORTED', `${req.method} ${req.url.split('?')[0] ?? ''}: the dashboard and the API do not run on PostgreSQL yet`);
    });
    return app;
  };
}

function teamCapability(deps: TeamAppDeps): CapabilityDeps {
  const { store, clock } = deps;
  return {
    clock,
    capabilityKey: () => deps.capabilityKey(),
    approval: (id) => store.transaction((tx) => store.approvals.get(tx, id)),
    spendAndAnswer: async (id, answer, nonce) => {
      const answered = await answerTeamApproval(store, clock, { id, answer, by: 'push', nonce });
      if (answered !== 'used' && answered.state === 'approved') deps.approved();
      return answered;
    },
    refused: (record) => deps.record([record]),
  };
}

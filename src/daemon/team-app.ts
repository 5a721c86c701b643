import type http from 'node:http';
import type { FastifyInstance } from 'fastify';
import { VigilError } from '../errors.js';
import { answerErrorsAsVigil } from './http-errors.js';

/**
 * What a node on PostgreSQL answers beyond `/healthz` and the webhook route (issue 19):
 * the dashboard and the API still read the SQLite store, so here every other route says
 * so — 501 with the one error body — rather than answer from a home that holds nothing.
 */
export async function buildTeamApp(serverFactory: (handler: (req: http.IncomingMessage, res: http.ServerResponse) => void) => http.Server): Promise<FastifyInstance> {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ serverFactory, logger: false, bodyLimit: 1 << 20 });
  answerErrorsAsVigil(app);
  app.all('/*', async (req) => {
    // The method and path only: a query string may carry a token.
    throw new VigilError('VIGIL_ERR_TEAM_UNSUPPORTED', `${req.method} ${req.url.split('?')[0] ?? ''}: the dashboard and the API do not run on PostgreSQL yet`);
  });
  return app;
}

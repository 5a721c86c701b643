import type { IncomingMessage } from 'node:http';
import { VigilError } from '../errors.js';
import { askWaitMs } from '../initiative/index.js';
import { approvalView } from '../operations/index.js';
import type { OwnerChannel } from '../policy/index.js';
import { searchLogs } from '../web/index.js';
import type { DaemonApi } from './api.js';

/** What a route reads of its request, whichever server parsed it. */
export interface ApiCall {
  params: Readonly<Record<string, string>>;
  /** The query string, parsed: a repeated key is an array. */
  query: Readonly<Record<string, unknown>>;
  /** The JSON body, or undefined when there is none. */
  body: unknown;
  /** Who asked: a Bearer token is the CLI, a session cookie the dashboard. */
  channel: OwnerChannel;
}

/** A route of the CLI's API over what answers it: the single daemon (DaemonApi) or a team node (team-api-routes.ts). */
export interface ApiRoute<A = DaemonApi> {
  method: 'GET' | 'POST';
  /** fastify's syntax: `:name` is a path segment given to the route as a param. */
  path: string;
  /** The answer's status when the route returns (errors carry their own). */
  status: number;
  run(api: A, call: ApiCall): unknown;
}

/** Hits one search answers at most (the index ranks its newest 2,000 matches). */
const MAX_SEARCH_LIMIT = 2000;

/**
 * The API the CLI speaks (docs/contract.md), in one table that both servers answer from:
 * the fastify app (a browser's session, or any request behind `http.trustProxy`) and
 * Node's own server for a Bearer token (cli-api-front.ts), so that `vigil status` does not
 * load fastify into an idle daemon (issue 18). What each route does is written once, here.
 */
export const API_ROUTES: readonly ApiRoute[] = [
  { method: 'GET', path: '/api/status', status: 200, run: (api) => api.status() },
  { method: 'POST', path: '/api/tick', status: 202, run: (api) => api.tick() },
  // A dream already running anywhere on the home is VIGIL_ERR_DREAM_BUSY (409).
  { method: 'POST', path: '/api/dream', status: 202, run: (api) => api.dream() },
  // What \`vigil dream\` prints: a team's home asks its node (a single daemon's CLI reads vigil.db itself, as it always did).
  { method: 'GET', path: '/api/dream', status: 200, run: (api) => api.dreamStatus() },
  { method: 'GET', path: '/api/approvals', status: 200, run: (api) => api.approvals().map(approvalView) },
  {
    // `vigil memory search` while the daemon runs: its store is open and warm. `complete`
    // false: the index had more to catch up than a request may spend on the loop, and the
    // CLI indexes the rest in its own process.
    method: 'GET',
    path: '/api/memory/search',
    status: 200,
    run: (api, { query }) => {
      const { words, limit } = searchQuery(query);
      return searchLogs(api, words, { limit });
    },
  },
  {
    method: 'POST',
    path: '/api/approvals/:id/:answer',
    status: 200,
    run: (api, { params, body, channel }) => {
      const { id, answer } = params;
      if (answer !== 'approve' && answer !== 'deny') throw new VigilError('VIGIL_ERR_NOT_FOUND', `POST /api/approvals/${id}/${answer}`);
      // The owner's words with the answer (`vigil deny ID --reason …`): kept one line, capped and redacted.
      const reason = answerReasonOf(body);
      // An unknown id is VIGIL_ERR_APPROVAL_NOT_FOUND (404), an answered or expired one VIGIL_ERR_APPROVAL_CLOSED (409).
      const action = api.answer(id!, answer, channel, reason);
      return { id: action.id, state: action.state };
    },
  },
  {
    // The owner's voice: a session needs its CSRF token here like anywhere else (apiAuth).
    method: 'POST',
    path: '/api/ask',
    status: 200,
    run: (api, { body, channel }) => {
      return api.ask(fieldOf(body, 'text'), channel === 'dashboard' ? 'dashboard' : 'cli', askWaitMs(fieldOf(body, 'wait')));
    },
  },
  {
    method: 'POST',
    path: '/api/actions/:id/cancel',
    status: 202,
    run: async (api, { params }) => {
      await api.cancel(params.id!);
      return { id: params.id, state: 'cancelling' };
    },
  },
];

/** `GET /api/memory/search`'s query: the words (`q`, once) and how many hits (`limit`, 1 to 2,000; 20 unless said). */
export function searchQuery(query: Readonly<Record<string, unknown>>): { words: string; limit: number } {
  const words = typeof query.q === 'string' ? query.q.trim() : '';
  if (!words) throw new VigilError('VIGIL_ERR_USAGE', 'q: the words to search for');
  const limit = query.limit === undefined ? 20 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) throw new VigilError('VIGIL_ERR_USAGE', `limit: a whole number from 1 to ${MAX_SEARCH_LIMIT}`);
  return { words, limit };
}

/** The owner's words with an answer (`vigil deny ID --reason …`), when the body has them. */
export function answerReasonOf(body: unknown): string | undefined {
  const reason = fieldOf(body, 'reason');
  return typeof reason === 'string' ? reason : undefined;
}

/** A field of a JSON object body; undefined for any other body. */
export function fieldOf(body: unknown, key: string): unknown {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>)[key] : undefined;
}

/**
 * Whether Node's own server answers this request from the table (cli-api-front.ts): a
 * Bearer token on one of its routes, and no proxy whose word on the client's address
 * only fastify reads (`http.trustProxy`).
 */
export function cliApiMatches<A>(trustProxy: boolean, req: IncomingMessage, routes: readonly ApiRoute<A>[]): boolean {
  if (trustProxy || !(req.headers.authorization ?? '').startsWith('Bearer ')) return false;
  return routeOf(routes, req.method, pathOf(req.url)) !== undefined;
}

interface Match<A> {
  route: ApiRoute<A>;
  /** Percent-encoded: decoding can fail, and matching must not throw. */
  encodedParams: Record<string, string>;
}

export function routeOf<A>(routes: readonly ApiRoute<A>[], method: string | undefined, path: string): Match<A> | undefined {
  for (const route of routes) {
    if (route.method !== method) continue;
    const params = matchPath(route.path, path);
    if (params) return { route, encodedParams: params };
  }
  return undefined;
}

/** `/api/approvals/:id/:answer` against a request's path: the params as they came (still percent-encoded), or undefined. */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const segment = want[i]!;
    if (segment.startsWith(':')) {
      if (got[i] === '') return undefined;
      params[segment.slice(1)] = got[i]!;
    } else if (segment !== got[i]) return undefined;
  }
  return params;
}

export function splitUrl(url: string | undefined): [string, string] {
  const at = (url ?? '').indexOf('?');
  return at < 0 ? [url ?? '', ''] : [url!.slice(0, at), url!.slice(at + 1)];
}

function pathOf(url: string | undefined): string {
  return splitUrl(url)[0];
}


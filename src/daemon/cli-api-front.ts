import type { IncomingMessage, ServerResponse } from 'node:http';
import querystring from 'node:querystring';
import helmet from 'helmet';
import { VigilError } from '../errors.js';
import { discardThenCut } from '../lingering-close.js';
import { secretMask } from '../secrets/index.js';
import { checkBearer, clientAddress, HELMET_OPTIONS, type AuthDeps } from '../web/index.js';
import { routeOf, splitUrl, type ApiRoute } from './api-routes.js';
import { httpErrorOf } from './http-errors.js';

/** The fastify app's body limit, the same here. */
const BODY_LIMIT = 1 << 20;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The CLI's API answered on Node's own server (issue 18). `vigil status`, `approvals`,
 * `memory search`, `tick`, `ask`… speak with the dashboard's token as a Bearer header;
 * answered by fastify, the first of them loaded the framework, its JSON schema compiler
 * and the dashboard into an idle daemon for good: about 10 MB of its resident memory.
 * Here they get what fastify gives them — the same routes (api-routes.ts), the same
 * login limits and token check (web/auth.ts `checkBearer`), the same security headers
 * (helmet with the dashboard's options), the same error body, and the same redaction of
 * every answer — on the server the daemon already runs. A browser's session, anything
 * else, and every request while `http.trustProxy` is set (the client's address is then
 * the proxy's word, which fastify reads) go to the app as before. A team node answers
 * its own table the same way (team-api-routes.ts, issue 19): `api` is the single
 * daemon's or the node's, `routes` the table its app answers too.
 */
export function cliApiHandler<A extends AuthDeps>(api: A, routes: readonly ApiRoute<A>[]): Handler {
  const secureHeaders = helmet(HELMET_OPTIONS);
  return (req, res) => {
    // helmet sets its headers on `res` and calls back at once (it never reads a body).
    secureHeaders(req, res, () => void answer(api, routes, req, res));
  };
}

async function answer<A extends AuthDeps>(api: A, routes: readonly ApiRoute<A>[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const check = await checkBearer(api, clientAddress(req.socket.remoteAddress), req.headers.authorization!.slice(7).trim());
    if (!check.ok) {
      for (const [name, value] of Object.entries(check.headers)) res.setHeader(name, value);
      // The body is not read: discard it as it comes, a while, then cut a sender that does not stop.
      discardThenCut(req);
      return send(res, check.error.httpStatus, check.error.toJSON());
    }
    const [path, search] = splitUrl(req.url);
    const match = routeOf(routes, req.method, path)!;
    const body = match.route.method === 'POST' ? await readJsonBody(req) : undefined;
    const params = Object.fromEntries(Object.entries(match.encodedParams).map(([name, value]) => [name, decodeSegment(value)]));
    const result = await match.route.run(api, { params, query: querystring.parse(search), body, channel: 'cli' });
    send(res, match.route.status, result);
  } catch (err) {
    const error = httpErrorOf(err);
    // A body refused before its end (over the limit, of the wrong type) is not kept: its rest is discarded, a while, so the sender reads the answer.
    if (!req.readableEnded) discardThenCut(req);
    send(res, error.httpStatus, error.toJSON());
  }
}

/** JSON, redacted like every answer of the app (web/redact-answers.ts). */
function send(res: ServerResponse, status: number, value: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = secretMask().redact(JSON.stringify(value ?? null));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new VigilError('VIGIL_ERR_BAD_REQUEST', `not a valid URL segment: ${segment.slice(0, 64)}`, { httpStatus: 400 });
  }
}

/**
 * A POST's body as fastify's default parsers read it: none, JSON, or plain text; up to
 * 1 MB (413 beyond, the rest discarded for a while). Node's `requestTimeout` cuts a body
 * that never ends.
 */
function readJsonBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > BODY_LIMIT) return reject(tooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) {
        req.removeAllListeners('data');
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('end', () => {
      if (size > BODY_LIMIT) return;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text === '') return resolve(undefined);
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type === 'text/plain') return resolve(text);
      if (type !== 'application/json') return reject(new VigilError('VIGIL_ERR_MEDIA_TYPE', `Unsupported Media Type: ${type || 'none'}`, { httpStatus: 415 }));
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new VigilError('VIGIL_ERR_BAD_REQUEST', 'the body is not valid JSON', { httpStatus: 400 }));
      }
    });
  });
}

function tooLarge(): VigilError {
  return new VigilError('VIGIL_ERR_BODY_TOO_LARGE', 'Request body is too large', { httpStatus: 413 });
}

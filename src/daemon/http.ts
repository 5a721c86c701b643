import http from '../node-http.js';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { VigilError } from '../errors.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A client has this long to send its request line and headers. */
const HEADERS_TIMEOUT_MS = 10_000;

export interface HttpLimits {
  /** `http.bodyTimeoutSeconds`: the webhook route cuts a slower body itself, with an answer. */
  bodyTimeoutMs: number;
}

/**
 * A route answered on Node's own server, its handler loaded on its first request: a
 * method and an exact path (a query string after it still matches), or a test of the
 * request. `name` says what could not be loaded, if it cannot.
 */
export type FrontRoute = ({ method: string; path: string } | { matches: (req: IncomingMessage) => boolean }) & {
  name?: string;
  load: () => Promise<Handler>;
};

/**
 * The daemon's HTTP listener. `/healthz` and the front routes (the webhook intake, the
 * CLI's API) are answered here, without a framework: a delivery pays for neither fastify's routing nor
 * its hooks (issue 18). The fastify app behind every other route is built on the first
 * such request. An idle vigil that nobody calls never loads fastify (about 20 MB of
 * resident memory), nor the webhook route.
 */
export class HttpFront {
  readonly server: Server;
  private app: Promise<{ instance: FastifyInstance; handler: Handler }> | undefined;
  private readonly routes: { route: FrontRoute; loading?: Promise<Handler>; handler?: Handler }[];

  constructor(
    private readonly buildApp: (serverFactory: (handler: Handler) => Server) => Promise<FastifyInstance>,
    limits: HttpLimits,
    routes: readonly FrontRoute[] = [],
  ) {
    this.routes = routes.map((route) => ({ route }));
    this.server = http.createServer(
      {
        // Slow senders hold a socket each (issue 12: a slow body was held for 300 s, Node's
        // default). Node's own cut comes after the route's, as a backstop for every
        // route; connections are checked every second, not every 30 s.
        headersTimeout: HEADERS_TIMEOUT_MS,
        requestTimeout: HEADERS_TIMEOUT_MS + limits.bodyTimeoutMs,
        connectionsCheckingInterval: 1000,
      },
      (req, res) => this.handle(req, res),
    );
    this.server.keepAliveTimeout = 5000;
  }

  async listen(host: string, port: number): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        reject(new VigilError('VIGIL_ERR_LISTEN', `${host}:${port}: ${err.code ?? err.message}`, { cause: err }));
      };
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    return this.server.address() as AddressInfo;
  }

  /** Stop taking connections; requests in flight finish. */
  async close(timeoutMs: number): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const timer = setTimeout(() => this.server.closeAllConnections(), timeoutMs);
    await closed;
    clearTimeout(timer);
    const app = await this.app?.catch(() => undefined);
    await app?.instance.close().catch(() => undefined);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.method === 'GET' && isPath(req.url, '/healthz')) {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end('{"status":"ok"}');
      return;
    }
    for (const front of this.routes) {
      if (!answers(front.route, req)) continue;
      if (front.handler) return front.handler(req, res);
      front.loading ??= front.route.load().then((handler) => (front.handler = handler));
      front.loading.then(
        (handler) => handler(req, res),
        () => answerUnloaded(res, `${front.route.name ?? 'the webhook route'} could not be loaded`),
      );
      return;
    }
    this.app ??= this.load();
    this.app.then(
      ({ handler }) => handler(req, res),
      () => answerUnloaded(res, 'the HTTP app could not be loaded'),
    );
  }

  private async load(): Promise<{ instance: FastifyInstance; handler: Handler }> {
    let handler: Handler | undefined;
    const instance = await this.buildApp((h) => {
      handler = h;
      return this.server;
    });
    await instance.ready();
    if (!handler) throw new Error('fastify did not hand over its request handler');
    return { instance, handler };
  }
}

function answers(route: FrontRoute, req: IncomingMessage): boolean {
  if ('matches' in route) return route.matches(req);
  return req.method === route.method && isPath(req.url, route.path);
}

/** `url` is `path`, or `path` with a query string. */
function isPath(url: string | undefined, path: string): boolean {
  return url !== undefined && url.startsWith(path) && (url.length === path.length || url.charCodeAt(path.length) === 63 /* ? */);
}

/**
 * The one error body (http-errors.ts), without the cause: this answer passes no
 * redaction, and why a module did not load is the daemon's business, not the caller's.
 */
function answerUnloaded(res: ServerResponse, message: string): void {
  const answer = new VigilError('VIGIL_ERR_INTERNAL', message);
  res.writeHead(answer.httpStatus, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(answer));
}

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { VigilError } from '../errors.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/**
 * The daemon's HTTP listener. `/healthz` is answered here, without a framework; the
 * fastify app behind every other route is built on the first such request. An idle
 * vigil that nobody calls never loads fastify (about 20 MB of resident memory).
 */
export class HttpFront {
  readonly server: http.Server;
  private app: Promise<{ instance: FastifyInstance; handler: Handler }> | undefined;

  constructor(private readonly buildApp: (serverFactory: (handler: Handler) => http.Server) => Promise<FastifyInstance>) {
    this.server = http.createServer((req, res) => this.handle(req, res));
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

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.method === 'GET' && (req.url === '/healthz' || req.url?.startsWith('/healthz?'))) {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end('{"status":"ok"}');
      return;
    }
    this.app ??= this.load();
    this.app.then(
      ({ handler }) => handler(req, res),
      (err: Error) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'VIGIL_ERR_DAEMON_HTTP', message: err.message }));
      },
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

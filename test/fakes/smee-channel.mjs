// A smee.io channel server on 127.0.0.1, for the REAL `smee-client` (issue 20). smee.io's
// own server (github.com/probot/smee.io) is not published on npm, so this is a small,
// honest copy of what it does to a delivery, which is what matters here:
//   - POST /:channel parses the body as JSON (body-parser's json(); smee.io refuses any
//     other content type with 415 — a form-encoded GitHub hook never gets through), then
//     emits `{ ...req.headers, body: <the parsed JSON>, query: req.query, timestamp }`
//     to the channel's listeners and answers 200 — to GitHub, the delivery succeeded;
//   - GET /:channel (text/event-stream) is the channel: a `ready` event, then every
//     delivery as `data: JSON.stringify(event)`.
// The body is therefore JSON.parse'd and JSON.stringify'd on the way: a compact body
// comes out byte for byte as it went in, a pretty-printed one does not (and its
// signature no longer matches).
import http from 'node:http';

/**
 * A sender's connection is not kept: Node's server closes an idle one after 5 s, and a
 * client that reuses it at that moment gets ECONNRESET (seen on a loaded machine).
 */
const CLOSE = { connection: 'close' };

export class SmeeChannelServer {
  constructor() {
    /** @type {Map<string, Set<http.ServerResponse>>} */
    this.listeners = new Map();
    /** Every POST: its channel and the status smee answered the sender. */
    this.posts = [];
    this.url = '';
  }

  async start() {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${this.server.address().port}`;
    return this;
  }

  /** A channel's address, for `github.webhookProxyUrl` and for the sender. */
  channel(name) {
    return `${this.url}/${name}`;
  }

  connected(name) {
    return (this.listeners.get(name)?.size ?? 0) > 0;
  }

  handle(req, res) {
    const url = new URL(req.url, this.url);
    const name = url.pathname.slice(1);
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      res.write('event: ready\ndata: {}\n\n');
      const set = this.listeners.get(name) ?? new Set();
      set.add(res);
      this.listeners.set(name, set);
      req.on('close', () => set.delete(res));
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      let body;
      try {
        if (type !== 'application/json') throw Object.assign(new Error('unsupported'), { status: 415 });
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (err) {
        const status = err.status ?? 400;
        this.posts.push({ channel: name, status });
        res.writeHead(status, CLOSE).end();
        return;
      }
      const event = { ...req.headers, body, query: Object.fromEntries(url.searchParams), timestamp: Date.now() };
      for (const listener of this.listeners.get(name) ?? []) listener.write(`data: ${JSON.stringify(event)}\n\n`);
      this.posts.push({ channel: name, status: 200 });
      res.writeHead(200, CLOSE).end();
    });
  }

  async stop() {
    for (const set of this.listeners.values()) for (const res of set) res.end();
    this.server?.closeAllConnections?.();
    await new Promise((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

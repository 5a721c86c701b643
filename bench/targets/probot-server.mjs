// Probot 14 for `npm run bench -- webhooks`: an app with a no-op `issues` handler behind
// Probot's own node middleware (createNodeMiddleware → @octokit/webhooks: content-type
// and header checks, signature verification, JSON parse, dispatch to the handler,
// then "200 ok") on a plain node:http server. That is the leanest way to serve Probot:
// `probot run` / `Server` adds pino-http request logging and static/ping handlers.
//
// Probot needs an app id and a private key to construct (it never calls GitHub here: a
// no-op handler does not authenticate), so a throwaway RSA key is generated at startup.
// Log level "warn", Probot's own default: no line per delivery.
//
// env BENCH_WEBHOOK_SECRET (required). Listens on 127.0.0.1, any free port; prints
// `READY {"url": …, "probot": version}`.
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import { Probot, Server, createNodeMiddleware } from 'probot';

const secret = process.env.BENCH_WEBHOOK_SECRET;
if (!secret) throw new Error('BENCH_WEBHOOK_SECRET is required');
const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

let handled = 0;
const app = (probot) => {
  probot.on('issues', async () => {
    handled++; // no-op: only proves the handler ran
  });
};

const path = '/api/github/webhooks';
const probot = new Probot({ appId: 1, privateKey, secret, logLevel: 'warn' });
const middleware = await createNodeMiddleware(app, { probot, webhooksPath: path });
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/handled') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ handled }));
    return;
  }
  middleware(req, res, () => res.writeHead(404).end());
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
console.log(`READY ${JSON.stringify({ url: `http://127.0.0.1:${port}${path}`, handledUrl: `http://127.0.0.1:${port}/handled`, probot: Server.version })}`);

const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

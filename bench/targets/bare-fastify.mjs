// The ceiling for `npm run bench -- webhooks`: fastify with a raw string body and one
// POST route that verifies X-Hub-Signature-256 exactly as vigil does (@octokit/webhooks
// Webhooks#verify over the body as received) and answers 202. Nothing else: no header
// checks beyond the signature, no JSON parse, no storage, no logging.
//
// env BENCH_WEBHOOK_SECRET (required). Listens on 127.0.0.1, any free port; prints
// `READY {"url": …}`.
import Fastify from 'fastify';
import { Webhooks } from '@octokit/webhooks';

const secret = process.env.BENCH_WEBHOOK_SECRET;
if (!secret) throw new Error('BENCH_WEBHOOK_SECRET is required');
const webhooks = new Webhooks({ secret });

const app = Fastify({ logger: false });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 25 * 1024 * 1024 }, (_req, body, done) => done(null, body));

app.post('/webhooks/github', async (req, reply) => {
  const signature = req.headers['x-hub-signature-256'];
  const ok = typeof signature === 'string' && (await webhooks.verify(req.body, signature).catch(() => false));
  return reply.code(ok ? 202 : 401).send(ok ? { status: 'ok' } : { error: 'bad signature' });
});

await app.listen({ host: '127.0.0.1', port: 0 });
const { port } = app.server.address();
console.log(`READY ${JSON.stringify({ url: `http://127.0.0.1:${port}/webhooks/github` })}`);

const stop = () => app.close().then(() => process.exit(0), () => process.exit(1));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

// The durable ceiling for `npm run bench -- latency`: the least a server can do and still
// answer a webhook only once its bytes are on the disk. node:http; the signature checked
// (HMAC-SHA256, compared in constant time); each verified body written into a file that
// was zero-filled and synced at startup (so an fdatasync flushes data, never an extent or
// a size in the file system's journal); the answers held until the group's fdatasync
// returns, one sync in flight, the next group gathering meanwhile — vigil's group commit
// with nothing else: no parse, no inbox row, no log line, no event loop shared with
// decisions. Probot answers before anything is durable; this answers after, as vigil
// must. The gap between this and Probot is the disk's; the gap between vigil and this is
// vigil's own.
//
// env BENCH_WEBHOOK_SECRET (required), BENCH_CEILING_DIR (a folder for the file; default
// the OS temp folder). Listens on 127.0.0.1, any free port; prints `READY {"url": …}`.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { closeSync, fdatasync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const secret = process.env.BENCH_WEBHOOK_SECRET;
if (!secret) throw new Error('BENCH_WEBHOOK_SECRET is required');

// A ring over a preallocated file: 20 s at 2,000/s of 7 KB bodies is 280 MB, so the ring
// wraps; what is overwritten was synced long before, and nobody reads it back.
const RING_BYTES = 128 << 20;
const dir = mkdtempSync(join(process.env.BENCH_CEILING_DIR ?? tmpdir(), 'vigil-ceiling-'));
const fd = openSync(join(dir, 'ring'), 'w+');
const zeros = Buffer.alloc(1 << 20);
for (let off = 0; off < RING_BYTES; off += zeros.length) writeSync(fd, zeros, 0, zeros.length, off);
fsyncSync(fd);
let offset = 0;

/** Answers waiting for the sync that covers their bytes. */
let gathering = [];
let syncing = false;

function append(body) {
  if (offset + body.length > RING_BYTES) offset = 0;
  writeSync(fd, body, 0, body.length, offset);
  offset += body.length;
}

function commit() {
  if (syncing || gathering.length === 0) return;
  syncing = true;
  const group = gathering;
  gathering = [];
  fdatasync(fd, (err) => {
    syncing = false;
    for (const res of group) res.writeHead(err ? 500 : 202, { 'content-type': 'application/json' }).end(err ? '{"error":"sync"}' : '{"ok":true}');
    commit();
  });
}

function verified(body, header) {
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const path = '/webhooks/github';
const server = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== path) {
    res.writeHead(404).end();
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    if (!verified(body, req.headers['x-hub-signature-256'])) {
      res.writeHead(401).end();
      return;
    }
    append(body);
    gathering.push(res);
    commit();
  });
});
server.keepAliveTimeout = 60_000;
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
console.log(`READY ${JSON.stringify({ url: `http://127.0.0.1:${port}${path}`, dir })}`);

const stop = () => {
  server.closeAllConnections();
  server.close(() => {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

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
// With BENCH_CEILING_IO=vigil it is vigil's I/O twin: the same server doing the file work
// vigil does for a delivery, and nothing else of vigil — the body appended to a file that
// grows (as a spool segment does), each body parsed, and once the group's fdatasync
// returns, one SQLite transaction (WAL, synchronous=NORMAL, PASSIVE checkpoints every
// 250 ms on a thread, as vigil's store) inserting a row per delivery under a unique
// delivery id, and a hash-chained JSON line per delivery appended to a log file, before
// the answers. vigil beside its twin says how much of vigil's tail its code adds to what
// its writes cost on this disk.
//
// env BENCH_WEBHOOK_SECRET (required), BENCH_CEILING_DIR (a folder for the file; default
// the OS temp folder), BENCH_CEILING_IO (`vigil` for the twin). Listens on 127.0.0.1,
// any free port; prints `READY {"url": …}`.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { closeSync, fdatasync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';

const secret = process.env.BENCH_WEBHOOK_SECRET;
if (!secret) throw new Error('BENCH_WEBHOOK_SECRET is required');

// A ring over a preallocated file: 20 s at 2,000/s of 7 KB bodies is 280 MB, so the ring
// wraps; what is overwritten was synced long before, and nobody reads it back. The twin's
// file grows instead, as vigil's spool segment does.
const RING_BYTES = 128 << 20;
const dir = mkdtempSync(join(process.env.BENCH_CEILING_DIR ?? tmpdir(), 'vigil-ceiling-'));
const fd = openSync(join(dir, 'bodies'), 'w+');
const twin = process.env.BENCH_CEILING_IO === 'vigil' ? vigilIo(dir) : undefined;
if (!twin) {
  const zeros = Buffer.alloc(1 << 20);
  for (let off = 0; off < RING_BYTES; off += zeros.length) writeSync(fd, zeros, 0, zeros.length, off);
  fsyncSync(fd);
}
let offset = 0;

/** vigil's writes beside the spool's: the inbox rows (SQLite, WAL) and the log lines. */
function vigilIo(folder) {
  const file = join(folder, 'inbox.db');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE inbox (id INTEGER PRIMARY KEY, delivery_id TEXT UNIQUE, kind TEXT, ref TEXT, received_at INTEGER, state TEXT)');
  const insert = db.prepare('INSERT INTO inbox (delivery_id, kind, ref, received_at, state) VALUES (?, ?, ?, ?, ?)');
  const rows = db.transaction((group) => {
    for (const d of group) insert.run(d.id, d.kind, d.ref, Date.now(), 'pending');
  });
  // vigil's own checkpoint thread (dist/, which the latency bench builds first).
  const checkpointer = new Worker(new URL('../../dist/store/checkpoint-thread.js', import.meta.url), { workerData: { file } });
  let checkpointing = false;
  checkpointer.on('message', () => (checkpointing = false));
  checkpointer.unref();
  setInterval(() => {
    if (checkpointing) return;
    checkpointing = true;
    checkpointer.postMessage('PASSIVE');
  }, 250).unref();
  const log = openSync(join(folder, 'log.jsonl'), 'a');
  let prev = '0'.repeat(64);
  let eventId = 0;
  return {
    /** What vigil reads of a body before the answer: its kind. */
    parse: (body) => {
      const payload = JSON.parse(body.toString('utf8'));
      return typeof payload.action === 'string' ? `issues.${payload.action}` : 'issues';
    },
    /** After the group's sync: its rows in one transaction, then a line each. */
    commit: (group) => {
      rows(group);
      let lines = '';
      for (const d of group) {
        const line = JSON.stringify({ ts: new Date().toISOString(), type: 'event.received', eventId: ++eventId, source: 'github', kind: d.kind, deliveryId: d.id, prev });
        prev = createHash('sha256').update(line).digest('hex');
        lines += `${line}\n`;
      }
      writeSync(log, lines);
    },
  };
}

/** Answers waiting for the sync that covers their bytes. */
let gathering = [];
let syncing = false;

function append(body) {
  if (!twin && offset + body.length > RING_BYTES) offset = 0;
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
    if (!err && twin) twin.commit(group.map((g) => g.delivery));
    for (const { res } of group) res.writeHead(err ? 500 : 202, { 'content-type': 'application/json' }).end(err ? '{"error":"sync"}' : '{"ok":true}');
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
    const delivery = twin ? { id: req.headers['x-github-delivery'], kind: twin.parse(body), ref: `0:${offset}` } : undefined;
    append(body);
    gathering.push({ res, delivery });
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

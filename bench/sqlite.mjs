// What durably storing a webhook delivery costs in better-sqlite3 on this machine, with
// nothing else around it: the bound under vigil's intake. Same file system as the
// webhooks bench (os.tmpdir()), WAL, synchronous=NORMAL, the default autocheckpoint.
import { createHash, createHmac } from 'node:crypto';
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export const summary = 'better-sqlite3 cost of storing the issues.opened payload: µs per row at batch sizes 1, 8, 32';
export const help = `sqlite [--seconds N] [--batches 1,8,32]
  For each variant and batch size, a fresh database (WAL, synchronous=NORMAL, default
  wal_autocheckpoint, on os.tmpdir()) takes batches of rows for N seconds (default 2)
  after a short warm-up, each batch one IMMEDIATE transaction, statements prepared once:
    inbox        INSERT of the 11.6 KB issues.opened payload into vigil's inbox table
                 (same columns, UNIQUE delivery_id, state index, ON CONFLICT DO NOTHING)
    inbox+outbox the same plus one log_outbox row per delivery in the transaction, then
                 (as vigil's journal flush does) SELECT the outbox and DELETE it in a
                 second, autocommit transaction
    small row    inbox INSERT with a 40-byte payload: what the row costs without the body
    inbox, no autocheckpoint
                 inbox with wal_autocheckpoint=0: the commit path without the
                 checkpoints (copying WAL pages into the database file, fsync) that
                 SQLite otherwise runs inside a commit every ~1000 WAL pages
  µs/row = wall time / rows, checkpoints included. Also reports one fsync of 4 KB,
  what a prepare() of a small statement costs (vigil's outbox prepares per call), and
  the CPU cost of the other per-delivery steps on this payload: JSON.parse, the
  HMAC (node:crypto) and @octokit/webhooks Webhooks#verify, and one log line
  (JSON.stringify + sha256 of the line, as vigil's daily log hashes each line).`;

const INBOX_DDL = `
  CREATE TABLE inbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    source      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    delivery_id TEXT UNIQUE,
    payload     TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending',
    lease_until INTEGER,
    attempts    INTEGER NOT NULL DEFAULT 0,
    decided_at  INTEGER
  );
  CREATE INDEX inbox_by_state ON inbox(state, id);
  CREATE TABLE log_outbox (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    record TEXT NOT NULL
  );`;

const INSERT = `INSERT INTO inbox (source, kind, delivery_id, payload, received_at, state)
  VALUES (@source, @kind, @deliveryId, @payload, @receivedAt, @state)
  ON CONFLICT(delivery_id) DO NOTHING`;

function parseArgs(argv) {
  const i = argv.indexOf('--seconds');
  const seconds = Number(i >= 0 ? argv[i + 1] : '2');
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`--seconds: "${argv[i + 1]}" is not a number > 0`);
  const j = argv.indexOf('--batches');
  const batches = (j >= 0 ? argv[j + 1] : '1,8,32').split(',').map(Number);
  if (batches.some((b) => !Number.isInteger(b) || b < 1)) throw new Error(`--batches: "${argv[j + 1]}" is not a list of integers ≥ 1`);
  return { seconds, batches };
}

function payloadText() {
  const all = createRequire(import.meta.url)('@octokit/webhooks-examples');
  return JSON.stringify(all.find((e) => e.name === 'issues').examples.find((e) => e.action === 'opened'));
}

function openFresh(dir, { autocheckpoint = true } = {}) {
  const db = new Database(join(dir, 'bench.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  if (!autocheckpoint) db.pragma('wal_autocheckpoint = 0');
  db.exec(INBOX_DDL);
  return db;
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

function measure({ variant, batch, seconds, payload }) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-sqlite-'));
  const db = openFresh(dir, { autocheckpoint: !variant.includes('no autocheckpoint') });
  try {
    const insert = db.prepare(INSERT);
    const outboxAdd = db.prepare('INSERT INTO log_outbox (record) VALUES (?)');
    const outboxPending = db.prepare('SELECT id, record FROM log_outbox ORDER BY id LIMIT ?');
    const outboxDelete = db.prepare('DELETE FROM log_outbox WHERE id <= ?');
    const body = variant === 'small row' ? '{"action":"opened","issue":{"number":1}}' : payload;
    let n = 0;
    const write = db.transaction((count) => {
      for (let k = 0; k < count; k++) {
        const deliveryId = `d-${++n}`;
        const info = insert.run({ source: 'github', kind: 'github.issues.opened', deliveryId, payload: body, receivedAt: Date.now(), state: 'pending' });
        if (variant === 'inbox+outbox') {
          const record = { type: 'event.received', ts: Date.now(), pid: process.pid, eventId: Number(info.lastInsertRowid), source: 'github', kind: 'github.issues.opened', deliveryId };
          outboxAdd.run(JSON.stringify(record));
        }
      }
    });
    const one = (count) => {
      write.immediate(count);
      if (variant === 'inbox+outbox') {
        const rows = outboxPending.all(500);
        for (const r of rows) JSON.parse(r.record);
        if (rows.length) outboxDelete.run(rows[rows.length - 1].id);
      }
    };
    // Warm-up: statement caches, the first WAL growth.
    for (let k = 0; k < Math.max(4, Math.ceil(200 / batch)); k++) one(batch);
    const rowsBefore = n;
    const perRowUs = [];
    const batchUs = [];
    const t0 = process.hrtime.bigint();
    const deadline = t0 + BigInt(Math.round(seconds * 1e9));
    let now = t0;
    while (now < deadline) {
      const s = now;
      one(batch);
      now = process.hrtime.bigint();
      const us = Number(now - s) / 1000;
      batchUs.push(us);
      perRowUs.push(us / batch);
    }
    const rows = n - rowsBefore;
    const totalUs = Number(now - t0) / 1000;
    perRowUs.sort((a, b) => a - b);
    batchUs.sort((a, b) => a - b);
    return {
      variant,
      batch,
      rows,
      usPerRow: totalUs / rows,
      usPerRowP50: percentile(perRowUs, 50),
      batchP99Us: percentile(batchUs, 99),
      batchMaxUs: batchUs.at(-1),
      rowsPerSec: rows / (totalUs / 1e6),
    };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One 4 KB write + fsync, the price of each checkpoint's syncs on this disk. */
function fsyncCost(samples = 50) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-fsync-'));
  const fd = openSync(join(dir, 'f'), 'w');
  const buf = Buffer.alloc(4096, 1);
  const us = [];
  try {
    for (let i = 0; i < samples; i++) {
      writeSync(fd, buf);
      const s = process.hrtime.bigint();
      fsyncSync(fd);
      us.push(Number(process.hrtime.bigint() - s) / 1000);
    }
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
  us.sort((a, b) => a - b);
  return { p50Us: percentile(us, 50), p99Us: percentile(us, 99) };
}

function prepareCost() {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-sqlite-'));
  const db = openFresh(dir);
  try {
    const n = 20000;
    const s = process.hrtime.bigint();
    for (let i = 0; i < n; i++) db.prepare('DELETE FROM log_outbox WHERE id <= ?');
    return Number(process.hrtime.bigint() - s) / 1000 / n;
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Mean µs of fn over enough iterations to take ~300 ms (after a warm-up). */
async function timeIt(fn, { ms = 300 } = {}) {
  for (let i = 0; i < 200; i++) await fn();
  let n = 0;
  const t0 = process.hrtime.bigint();
  const end = t0 + BigInt(ms * 1e6);
  let now = t0;
  while (now < end) {
    for (let i = 0; i < 50; i++) await fn();
    n += 50;
    now = process.hrtime.bigint();
  }
  return Number(now - t0) / 1000 / n;
}

async function components(payload) {
  const { Webhooks } = await import('@octokit/webhooks');
  const secret = 'a-bench-secret-of-some-length';
  const webhooks = new Webhooks({ secret });
  const signature = `sha256=${createHmac('sha256', secret).update(payload).digest('hex')}`;
  const record = { ts: new Date().toISOString(), seq: 1, type: 'event.received', pid: 1, eventId: 1, source: 'github', kind: 'github.issues.opened', deliveryId: 'bench-abcdef-12345', prev: 'f'.repeat(64) };
  return {
    jsonParseUs: await timeIt(() => JSON.parse(payload)),
    hmacUs: await timeIt(() => createHmac('sha256', secret).update(payload).digest('hex')),
    webhooksVerifyUs: await timeIt(() => webhooks.verify(payload, signature)),
    logLineUs: await timeIt(() => {
      const body = JSON.stringify(record);
      return createHash('sha256').update(body).digest('hex');
    }),
  };
}

export async function run(argv) {
  const { seconds, batches } = parseArgs(argv);
  const payload = payloadText();
  console.log(`payload ${Buffer.byteLength(payload)} bytes; ${seconds} s per case on ${tmpdir()}; WAL, synchronous=NORMAL`);
  const results = [];
  for (const variant of ['inbox', 'inbox+outbox', 'small row', 'inbox, no autocheckpoint']) {
    for (const batch of batches) {
      const r = measure({ variant, batch, seconds, payload });
      results.push(r);
    }
  }
  const fsync = fsyncCost();
  const prepareUs = prepareCost();
  const cpu = await components(payload);
  const rows = [
    ['variant', 'batch', 'µs/row mean', 'µs/row p50', 'batch p99', 'batch max', 'rows/s (one core)'],
    ...results.map((r) => [
      r.variant,
      String(r.batch),
      r.usPerRow.toFixed(1),
      r.usPerRowP50.toFixed(1),
      `${(r.batchP99Us / 1000).toFixed(2)} ms`,
      `${(r.batchMaxUs / 1000).toFixed(2)} ms`,
      r.rowsPerSec.toFixed(0),
    ]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  console.log('');
  for (const r of rows) console.log(r.map((cell, c) => (c < 1 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
  console.log(`\nfsync of 4 KB: p50 ${(fsync.p50Us / 1000).toFixed(2)} ms, p99 ${(fsync.p99Us / 1000).toFixed(2)} ms; prepare() of a small statement: ${prepareUs.toFixed(1)} µs`);
  console.log(
    `per delivery, CPU on this payload: JSON.parse ${cpu.jsonParseUs.toFixed(1)} µs, HMAC-SHA256 ${cpu.hmacUs.toFixed(1)} µs, ` +
      `Webhooks#verify ${cpu.webhooksVerifyUs.toFixed(1)} µs, one log line (stringify + sha256) ${cpu.logLineUs.toFixed(1)} µs`,
  );
  const round = (x) => Math.round(x * 10) / 10;
  const result = {
    bench: 'sqlite',
    seconds,
    payloadBytes: Buffer.byteLength(payload),
    cases: results.map((r) => Object.fromEntries(Object.entries(r).map(([k, x]) => [k, typeof x === 'number' ? round(x) : x]))),
    fsync4k: { p50Us: round(fsync.p50Us), p99Us: round(fsync.p99Us) },
    prepareUs: round(prepareUs),
    cpu: Object.fromEntries(Object.entries(cpu).map(([k, x]) => [k, round(x)])),
  };
  console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
  return result;
}

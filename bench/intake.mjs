// The webhook acknowledgement path, one step at a time, with vigil's own modules from
// dist/: what each step costs on the issues.opened payload, and what that allows on one
// core. Beside `webhooks` it shows the bound: the ceiling there does the HTTP and the
// signature; vigil must also parse, make the body durable, index it and log it.
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './lib/vigil.mjs';

export const summary = 'the webhook ack path step by step (vigil modules, issues.opened): µs of CPU per delivery';
export const help = `intake [--seconds N] [--group N]
  Each step runs for N seconds (default 1) after a warm-up, on groups of --group
  deliveries (default 8, about what the webhooks bench forms under 32 connections):
    verify        @octokit/webhooks Webhooks#verify of X-Hub-Signature-256 (the ceiling does this too)
    parse         vigil's parsePayload: JSON.parse of the body (a 400 needs it before the answer)
    spool write   Spool#write of a group's bodies: one buffer, crc32, one write(2)
    inbox row     Inbox#addSpooled, a group per transaction (WAL, synchronous=NORMAL),
                  on an inbox already holding 50,000 rows
    log line      DailyLog#appendMany of the group's event.received lines (hash chain)
    fdatasync     wall time of the fdatasync after a group's write (I/O wait, not CPU)
  Prints µs per delivery for each and the sum of the CPU steps beyond the signature.`;

function parseArgs(argv) {
  const value = (flag, fallback) => {
    const i = argv.indexOf(flag);
    const n = Number(i >= 0 ? argv[i + 1] : fallback);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag}: "${argv[i + 1]}" is not a number > 0`);
    return n;
  };
  return { seconds: value('--seconds', '1'), group: Math.round(value('--group', '8')) };
}

const dist = (p) => import(pathToFileURL(join(ROOT, 'dist', p)).href);

/** Run `step(i)` (one call = one group) for `seconds`; µs per delivery. */
function measure(seconds, group, step) {
  for (let i = 0; i < 50; i++) step(i);
  const until = performance.now() + seconds * 1000;
  let calls = 0;
  const t0 = process.cpuUsage();
  while (performance.now() < until) step(calls++);
  const used = process.cpuUsage(t0);
  return (used.user + used.system) / (calls * group);
}

export async function run(argv) {
  const { seconds, group } = parseArgs(argv);
  const [{ Store }, { Spool }, { parsePayload }, { DailyLog }, { Webhooks }] = await Promise.all([
    dist('store/index.js'),
    dist('store/spool.js'),
    dist('triggers/webhooks/payload.js'),
    dist('logs/index.js'),
    import('@octokit/webhooks'),
  ]);
  const require = createRequire(import.meta.url);
  const example = require('@octokit/webhooks-examples')
    .find((e) => e.name === 'issues')
    .examples.find((e) => e.action === 'opened');
  const body = JSON.stringify(example);
  const secret = 'bench-secret';
  const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  const webhooks = new Webhooks({ secret });

  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-intake-'));
  try {
    const store = Store.open(join(dir, 'vigil.db'));
    const log = new DailyLog({ dir: join(dir, 'logs'), clock: { now: () => Date.now() } });
    let n = 0;
    const records = () => Array.from({ length: group }, () => ({ deliveryId: `d-${++n}`, event: 'issues', receivedAt: Date.now(), body }));

    // Verify is async in @octokit/webhooks; time it over awaited calls.
    for (let i = 0; i < 200; i++) await webhooks.verify(body, signature);
    const vUntil = performance.now() + seconds * 1000;
    let vCalls = 0;
    const v0 = process.cpuUsage();
    while (performance.now() < vUntil) {
      await webhooks.verify(body, signature);
      vCalls++;
    }
    const vUsed = process.cpuUsage(v0);
    const rows = {};
    rows.verify = (vUsed.user + vUsed.system) / vCalls;
    rows.parse = measure(seconds, group, () => {
      for (let i = 0; i < group; i++) parsePayload(body, 'application/json');
    });
    const unsynced = new Spool(join(dir, 'spool-nosync'), { sync: false });
    rows['spool write'] = measure(seconds, group, () => unsynced.write(records()));
    // An inbox that has seen some traffic: the unique delivery-id index is not tiny.
    store.transaction(() => {
      for (let i = 0; i < 50_000; i++) store.inbox.addSpooled({ source: 'github', kind: 'github.issues.opened', deliveryId: `fill-${i}`, receivedAt: 0 }, '1:0', 'decided');
    });
    rows['inbox row'] = measure(seconds, group, () =>
      store.transaction(() => {
        for (let i = 0; i < group; i++) {
          store.inbox.addSpooled({ source: 'github', kind: 'github.issues.opened', deliveryId: `row-${++n}`, receivedAt: Date.now() }, '1:0', 'pending');
        }
      }),
    );
    rows['log line'] = measure(seconds, group, () =>
      log.appendMany(Array.from({ length: group }, () => ({ type: 'event.received', eventId: ++n, source: 'github', kind: 'github.issues.opened', deliveryId: `d-${n}` }))),
    );
    // fdatasync: wall time per group, on the spool's own file.
    const syncs = [];
    const sUntil = performance.now() + seconds * 1000;
    while (performance.now() < sUntil) {
      store.spool.write(records());
      const t = performance.now();
      await store.spool.durable();
      syncs.push(performance.now() - t);
    }
    syncs.sort((a, b) => a - b);
    const beyond = rows.parse + rows['spool write'] + rows['inbox row'] + rows['log line'];
    log.close();
    unsynced.close();
    store.close();

    console.log(`\nintake: ${body.length}-byte issues.opened, groups of ${group}, ${seconds} s per step; µs of CPU per delivery`);
    for (const [name, us] of Object.entries(rows)) console.log(`  ${name.padEnd(28)} ${us.toFixed(1).padStart(7)} µs`);
    console.log(`  ${'fdatasync per group (wall)'.padEnd(28)} ${(syncs[Math.floor(syncs.length / 2)] * 1000).toFixed(0).padStart(7)} µs median, ${(syncs[Math.floor(syncs.length * 0.99)] * 1000).toFixed(0)} µs p99 (idle machine)`);
    console.log(`  ${'beyond the signature'.padEnd(28)} ${beyond.toFixed(1).padStart(7)} µs  (parse + spool write + inbox row + log line)`);
    console.log(`  on one core these steps alone allow ${Math.round(1e6 / beyond)} deliveries/s, before HTTP and the signature`);
    console.log(`BENCH_RESULT ${JSON.stringify({ bench: 'intake', group, seconds, usPerDelivery: rows, beyondSignatureUs: beyond, fdatasyncMedianUs: syncs[Math.floor(syncs.length / 2)] * 1000 })}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

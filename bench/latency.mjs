// What a steady rate of deliveries feels like (issue 18): the acknowledgement's
// latency at a constant arrival rate, vigil beside Probot in the same run, open loop
// (bench/lib/open-loop.mjs), and every 202 checked in vigil's inbox and log after.
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { startTarget, stopTarget } from './lib/child.mjs';
import { percentile } from './lib/open-loop.mjs';
import { signedWindows } from './lib/signed-generator.mjs';
import { ROOT, snapshotDist, startVigil, stopVigil } from './lib/vigil.mjs';
import { measureEventToNotification } from './lib/notify-latency.mjs';
import { checkVigilDurability, issuesOpened } from './webhooks.mjs';

export const summary = 'steady-rate webhook acknowledgement: p50/p99/p99.9 at 200, 1000, 2000 deliveries/s, vigil beside Probot';
export const help = `latency [--seconds N] [--warmup N] [--rates 200,1000,2000] [--phases ack,notify]
  An open-loop generator, a fresh process for each target, posts the signed
  issues.opened example (each request its own delivery id and bytes) at a constant
  rate for N seconds (default 20) per rate, to Probot 14 (no-op handler), to the durable ceiling
  (bench/targets/durable-ceiling.mjs: node:http, the signature checked, the body written
  and group-fdatasync'd before the 202 — the least a durable answer costs on this disk)
  to vigil's I/O twin (the same server doing vigil's writes for a delivery and nothing
  else of vigil: a growing file, the parse, an SQLite WAL row, a hash-chained log line)
  and to vigil (\`vigil start\`, a fresh home and daemon for each window), one after the
  other at each rate. Latency runs from the moment a
  request was due to its answer. Each window follows a warm-up at the same rate
  (--warmup, default 15 s, not counted), so every target is measured with its hot
  code compiled: V8 tiers up a fresh process about 10 s into this load, and the
  compiler threads then take the two cores for a quarter second. After each vigil window, every delivery answered
  2xx must be in the inbox once and logged event.received once.
  Targets (issue 18): at 1000/s vigil p99 ≤ 10 ms, p99.9 ≤ 25 ms, zero errors; at
  2000/s vigil's p99 no worse than Probot's.
  Then event → notification (phase \`notify\`): 50 deliveries/s for N seconds, one in
  ten matching a rule that notifies (rules provider, allowed), timed from the send to
  the fake push service's receipt of the decrypted message; then 10 paging deliveries
  one at a time, each after the worker exited idle (exec.idleExitSeconds 1), so the
  worker's start is in the figure. Targets: p50 ≤ 150 ms, p99 ≤ 500 ms.
  --baseline DIR  the acknowledgement phase also runs \`vigil-baseline\`, the dist/ in
                  DIR (another build, node_modules beside it), after vigil at each
                  rate: two builds side by side in one run.`;

const HEADERS = { 'Content-Type': 'application/json', 'User-Agent': 'GitHub-Hookshot/bench', 'X-GitHub-Event': 'issues', 'X-GitHub-Hook-ID': '1' };

function args(argv) {
  const value = (flag, fallback) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : fallback;
  };
  return {
    seconds: Number(value('--seconds', process.env.BENCH_LATENCY_SECONDS ?? '20')),
    warmup: Number(value('--warmup', '15')),
    rates: value('--rates', '200,1000,2000').split(',').map(Number),
    phases: value('--phases', 'ack,notify').split(','),
    baseline: value('--baseline', undefined),
  };
}

/** A warm-up at `rate` (not counted), then the measured window, from a fresh generator process. */
async function window(target, rate, opts, payload, secret, prefix) {
  const [, out] = await signedWindows({
    url: target.url,
    rate,
    windows: [
      { seconds: opts.warmup, prefix: `${randomBytes(4).toString('hex')}-` },
      { seconds: opts.seconds, prefix },
    ],
    payload,
    secret,
    headers: HEADERS,
  });
  const l = out.latenciesMs;
  return {
    target: target.name,
    rate,
    sent: out.sent,
    acked: out.acked.length,
    errors: out.errors,
    statuses: out.statuses,
    p50: percentile(l, 50),
    p99: percentile(l, 99),
    p999: percentile(l, 99.9),
    max: l.at(-1),
    lateSendMs: out.lateSendMs,
    ackedIds: out.acked,
  };
}

/** Acknowledgement at each rate, vigil beside Probot; every 202 checked stored and logged once. */
async function acknowledgement(opts, secret, dist, met) {
  const payload = issuesOpened();
  const probot = await startTarget(join(ROOT, 'bench', 'targets', 'probot-server.mjs'), { env: { BENCH_WEBHOOK_SECRET: secret } });
  const ceiling = await startTarget(join(ROOT, 'bench', 'targets', 'durable-ceiling.mjs'), { env: { BENCH_WEBHOOK_SECRET: secret } });
  const twin = await startTarget(join(ROOT, 'bench', 'targets', 'durable-ceiling.mjs'), { env: { BENCH_WEBHOOK_SECRET: secret, BENCH_CEILING_IO: 'vigil' } });
  // A vigil is started afresh for each window and stopped after it: the decisions it still
  // owes for the window's deliveries would otherwise run during the next target's window.
  const vigils = [{ name: 'vigil', cli: dist.cli }, ...(opts.baseline ? [{ name: 'vigil-baseline', cli: join(opts.baseline, 'cli', 'main.js') }] : [])];
  const targets = [{ name: 'probot', url: probot.url }, { name: 'durable-ceiling', url: ceiling.url }, { name: 'vigil-io-twin', url: twin.url }, ...vigils];
  const rows = [];
  let running;
  try {
    for (const [round, rate] of opts.rates.entries()) {
      for (const spec of targets) {
        let target = spec;
        if (spec.cli) {
          running = await startVigil({ env: { GITHUB_WEBHOOK_SECRET: secret }, cli: spec.cli });
          target = { name: spec.name, url: `${running.url}/webhooks/github`, home: running.home };
        }
        // A warm-up at the same rate comes first, not counted. vigil starts afresh for each
        // window while Probot and the ceiling stay up from the rate before: a warm-up shorter
        // than V8's tier-up (about 10 s of this load) would leave only vigil's compilation in
        // its window. The generator is a fresh process for each target, warmed up the same way.
        const prefix = `${randomBytes(4).toString('hex')}-`;
        const row = await window(target, rate, opts, payload, secret, prefix);
        if (target.home) row.durability = await checkVigilDurability(target.home, prefix, row.ackedIds);
        if (running) await stopVigil(running);
        running = undefined;
        delete row.ackedIds;
        // A rate may be given more than once (--rates 1000,1000): the ratios compare within one round.
        row.round = round;
        rows.push(row);
        if (row.acked === 0) throw new Error(`${target.name} acknowledged nothing at ${rate}/s: statuses ${JSON.stringify(row.statuses)}, errors ${row.errors}`);
        console.log(
          `${String(rate).padStart(5)}/s ${target.name.padEnd(15)} p50 ${row.p50.toFixed(1).padStart(6)} ms  p99 ${row.p99.toFixed(1).padStart(7)} ms  p99.9 ${row.p999.toFixed(1).padStart(7)} ms  max ${row.max.toFixed(0).padStart(5)} ms  acked ${row.acked}/${row.sent}  errors ${row.errors}` +
            (row.durability ? `  stored ${row.acked - row.durability.missingRows}/${row.acked}, logged ${row.acked - row.durability.missingLog}, twice ${row.durability.loggedTwice}` : '') +
            `  (generator late by up to ${row.lateSendMs.toFixed(0)} ms)`,
        );
      }
    }
  } finally {
    if (running) await stopVigil(running);
    await stopTarget(probot);
    await stopTarget(ceiling);
    await stopTarget(twin);
  }
  const at = (rate, name) => rows.find((r) => r.rate === rate && r.target === name);
  const inRound = (round, name) => rows.find((r) => r.round === round && r.target === name);
  console.log('\nvigil / Probot, same run:');
  for (const [round, rate] of opts.rates.entries()) {
    const v = inRound(round, 'vigil');
    const p = inRound(round, 'probot');
    console.log(`  ${rate}/s: p50 ${(v.p50 / p.p50).toFixed(2)}×, p99 ${(v.p99 / p.p99).toFixed(2)}×, p99.9 ${(v.p999 / p.p999).toFixed(2)}×`);
    const c = inRound(round, 'durable-ceiling');
    console.log(`  ${rate}/s durable ceiling / Probot: p50 ${(c.p50 / p.p50).toFixed(2)}×, p99 ${(c.p99 / p.p99).toFixed(2)}×, p99.9 ${(c.p999 / p.p999).toFixed(2)}×;  vigil / durable ceiling: p99 ${(v.p99 / c.p99).toFixed(2)}×`);
    const t = inRound(round, 'vigil-io-twin');
    console.log(`  ${rate}/s vigil's I/O twin / durable ceiling: p99 ${(t.p99 / c.p99).toFixed(2)}×;  vigil / its I/O twin: p50 ${(v.p50 / t.p50).toFixed(2)}×, p99 ${(v.p99 / t.p99).toFixed(2)}×, p99.9 ${(v.p999 / t.p999).toFixed(2)}×`);
    const b = inRound(round, 'vigil-baseline');
    if (b) console.log(`  ${rate}/s vigil-baseline / Probot: p50 ${(b.p50 / p.p50).toFixed(2)}×, p99 ${(b.p99 / p.p99).toFixed(2)}×, p99.9 ${(b.p999 / p.p999).toFixed(2)}×`);
  }
  const v1000 = at(1000, 'vigil');
  if (v1000) {
    met.ack1000 = v1000.p99 <= 10 && v1000.p999 <= 25 && v1000.errors === 0;
    met.stored1000 = v1000.durability.missingRows === 0 && v1000.durability.missingLog === 0 && v1000.durability.loggedTwice === 0;
  }
  if (at(2000, 'vigil')) met.p99At2000VsProbot = at(2000, 'vigil').p99 <= at(2000, 'probot').p99;
  return rows;
}

/** Event → notification at 50 deliveries/s, then from a cold worker. */
async function notification(opts, secret, dist, met) {
  const n = await measureEventToNotification({ rate: 50, seconds: opts.seconds, cli: dist.cli, secret });
  const ms = (v) => `${v.toFixed(0)} ms`;
  console.log(`\nevent → notification (rules provider, fake push service decrypting):`);
  console.log(`  steady, 50/s with 1 in 10 paging: p50 ${ms(n.steady.p50)}  p99 ${ms(n.steady.p99)}  max ${ms(n.steady.max)}  (${n.notified}/${n.paged} notified, acked ${n.acked}, errors ${n.errors}, refused by push ${n.refusedByPush})`);
  console.log(`  cold, the worker had exited idle: p50 ${ms(n.cold.p50)}  max ${ms(n.cold.max)}  (${n.cold.n} deliveries)`);
  const st = n.stages;
  console.log(`  where it goes (medians): intake ${ms(st.intake)}, inbox + decision ${ms(st.decision)}, to the worker ${ms(st.worker)}, web push ${ms(st.push)}`);
  console.log(`  all: p50 ${ms(n.all.p50)}  p99 ${ms(n.all.p99)}  (targets p50 ≤ 150 ms, p99 ≤ 500 ms)`);
  met.eventToNotification = n.all.p50 <= 150 && n.all.p99 <= 500 && n.notified === n.paged && n.errors === 0;
  return n;
}

export async function run(argv) {
  const opts = args(argv);
  const startLoad = loadavg();
  console.log(`load average at start: ${startLoad.map((l) => l.toFixed(2)).join(' ')}`);
  const secret = randomBytes(16).toString('hex');
  const dist = snapshotDist();
  const met = {};
  let rows = [];
  let notify;
  try {
    if (opts.phases.includes('ack')) rows = await acknowledgement(opts, secret, dist, met);
    if (opts.phases.includes('notify')) notify = await notification(opts, secret, dist, met);
  } finally {
    dist.remove();
  }
  console.log(`targets: ${Object.entries(met).map(([k, v]) => `${k} ${v ? 'met' : 'MISSED'}`).join(', ')}`);
  console.log(`load average at end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`BENCH_RESULT ${JSON.stringify({ bench: 'latency', date: new Date().toISOString(), loadavg: [startLoad, loadavg()], seconds: opts.seconds, warmupSeconds: opts.warmup, rows, notify, met })}`);
}

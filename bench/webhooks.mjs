// Webhook intake throughput: vigil next to Probot 14 and next to a bare fastify route
// that only verifies the signature (the ceiling), in the same run on the same machine.
// The three targets run one after another, each alone while measured, each in its own
// process, all against the same `issues.opened` payload, each request with a fresh
// X-GitHub-Delivery and its own bytes (a delivery number in front), signed per request:
// one body under many delivery ids is a replay vigil does not store again (issue 12).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { startTarget, stopTarget } from './lib/child.mjs';
import { printSummary, summariseProfile } from './lib/cpuprofile.mjs';
import { CLK_TCK, machineTicks, snapshot, threadCpu, threadTicks, ticksByProcess, topOthers } from './lib/proc.mjs';
import { ROOT, snapshotDist, startVigil, stopVigil } from './lib/vigil.mjs';
import { deliveryBody, signBody, signedLoad } from './lib/signed-load.mjs';
import { execFileSync } from 'node:child_process';

export const summary = 'webhook intake: vigil vs Probot 14 vs a bare fastify ceiling (autocannon, signed issues.opened)';
export const help = `webhooks [--seconds N] [--warmup N] [--connections N] [--only a,b] [--cpu-prof] [--top N]
  The issues.opened example of @octokit/webhooks-examples (JSON.stringify'd once)
  is posted by autocannon (in this process) with N connections (default 32),
  pipelining 1, a fresh X-GitHub-Delivery per request (hex, as GitHub's) whose id
  is also put in front of the body, signed per request with a random secret (one
  body under many ids would be a replay, issue 12),
  for N seconds (default 10, or env BENCH_WEBHOOKS_SECONDS) after a warm-up
  (default 2 s), to three targets in turn, each alone in its own process:
    probot   Probot 14, no-op \`issues\` handler, createNodeMiddleware on node:http
             (bench/targets/probot-server.mjs)
    ceiling  fastify, raw string body, Webhooks#verify, 202 (bench/targets/bare-fastify.mjs)
    vigil    \`vigil start\` on a fresh temp home (GITHUB_WEBHOOK_SECRET set)
  Before measuring, each target must answer a wrong signature with 4xx and a good
  one with 2xx. After vigil's run, its inbox rows and event.received log lines for
  the measured delivery ids are compared with the 2xx answers.
  Latencies are autocannon's (2xx only), ms. CPU % is of one core, over the window.
  --only probot,vigil    run a subset (ratios need the pair); \`vigil-filtered\` is an
                         extra target: vigil with the default config plus
                         github.events ["push"], so issues deliveries are stored and
                         logged as filtered and the initiative has nothing to decide
                         (intake alone; the targets are judged on \`vigil\` only)
  --wait-quiet N          before each target's warm-up, wait up to N s (default 60)
                         for the machine to be quiet (< 25 % of one core busy over
                         1 s, our idle target included); the table shows what other
                         processes took during each window either way
  --baseline DIR         also run \`vigil-baseline\`: the dist/ in DIR (another build,
                         e.g. the commit before a change, with node_modules beside
                         it), after \`vigil\`, the same way; its ratio is printed
  --cpu-prof             run vigil under node --cpu-prof; print where its time went
                         during the measured window (--top N functions, default 25)
  Targets: vigil/probot req/s ≥ 1.5, vigil/ceiling ≥ 0.8, vigil p99 ≤ 25 ms,
  every 2xx-answered delivery stored and logged.`;

// Issue 18: ≥ 1.5× Probot in the same run (issue 3 had asked 2.0).
const TARGETS = { probotRatio: 1.5, ceilingRatio: 0.8, p99Ms: 25 };
const ORDER = ['probot', 'ceiling', 'vigil', 'vigil-baseline', 'vigil-filtered'];
const DEFAULT_ORDER = ['probot', 'ceiling', 'vigil'];
const require = createRequire(import.meta.url);

function parseArgs(argv) {
  const value = (flag, fallback) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : fallback;
  };
  const num = (flag, fallback, min) => {
    const raw = value(flag, fallback);
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min) throw new Error(`${flag}: "${raw}" is not a number ≥ ${min}`);
    return n;
  };
  const baseline = value('--baseline', undefined);
  if (baseline !== undefined && !existsSync(join(baseline, 'cli', 'main.js'))) throw new Error(`--baseline: ${join(baseline, 'cli', 'main.js')} is missing (give a built dist/)`);
  const only = value('--only', [...DEFAULT_ORDER, ...(baseline ? ['vigil-baseline'] : [])].join(',')).split(',').filter(Boolean);
  if (only.includes('vigil-baseline') && !baseline) throw new Error('--only vigil-baseline needs --baseline DIR');
  const bad = only.filter((n) => !ORDER.includes(n));
  if (bad.length) throw new Error(`--only: unknown target ${bad.join(', ')} (known: ${ORDER.join(', ')})`);
  return {
    seconds: num('--seconds', process.env.BENCH_WEBHOOKS_SECONDS ?? '10', 1),
    warmup: num('--warmup', '2', 0),
    connections: num('--connections', '32', 1),
    top: num('--top', '25', 1),
    cpuProf: argv.includes('--cpu-prof'),
    waitQuiet: num('--wait-quiet', '60', 0),
    only: ORDER.filter((n) => only.includes(n)),
    baseline,
  };
}

/** The payload GitHub would send for a new issue: the first `issues.opened` example. */
export function issuesOpened() {
  const all = require('@octokit/webhooks-examples');
  const example = all.find((e) => e.name === 'issues').examples.find((e) => e.action === 'opened');
  return Buffer.from(JSON.stringify(example));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function post(url, body, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent: false, timeout: 5000, headers: { ...headers, 'content-length': body.length } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The bench process is the load generator: one autocannon run, every request with a
 * fresh delivery id `<prefix><n>`. Ids answered 2xx are collected (pipelining 1, so
 * the id in the connection's context is the one the response answers).
 */
/** The payload with this delivery's id in front: no two requests carry the same bytes. */
function cpuPct(before, after) {
  return ((after.ticks - before.ticks) / CLK_TCK / ((after.at - before.at) / 1000)) * 100;
}

/** Start one target; returns { pid, url, stop(), extra } with `stop` idempotent. */
async function startOne(name, ctx) {
  const { secret, cpuProf, session } = ctx;
  if (name.startsWith('vigil')) {
    let config;
    if (name === 'vigil-filtered') {
      const { defaultConfigFile } = await import(pathToFileURL(join(ctx.dist.root, 'dist', 'config', 'home.js')).href);
      config = { ...defaultConfigFile(), github: { events: ['push'] } };
    }
    let profDir;
    const nodeArgs = [];
    if (cpuProf) {
      profDir = mkdtempSync(join(tmpdir(), 'vigil-bench-prof-'));
      session.dirs.add(profDir);
      nodeArgs.push('--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-interval', '200');
    }
    const cli = name === 'vigil-baseline' ? join(ctx.opts.baseline, 'cli', 'main.js') : ctx.dist.cli;
    const vigil = await startVigil({ env: { GITHUB_WEBHOOK_SECRET: secret }, nodeArgs, config, cli });
    let stopped;
    const stop = () => (stopped ??= stopVigil(vigil, 10000));
    session.stops.add(stop);
    return { name, pid: vigil.pid, url: `${vigil.url}/webhooks/github`, stop, vigil, profDir };
  }
  const script = join(ROOT, 'bench', 'targets', name === 'probot' ? 'probot-server.mjs' : 'bare-fastify.mjs');
  const t = await startTarget(script, { env: { BENCH_WEBHOOK_SECRET: secret } });
  let stopped;
  const stop = () => (stopped ??= stopTarget(t));
  session.stops.add(stop);
  return { name, pid: t.pid, url: t.url, stop, info: t.info };
}

/** A wrong signature must be refused (4xx), a good one accepted (2xx): else the comparison is void. */
async function probe(target, payload, baseHeaders, secret) {
  // Delivery ids as GitHub makes them (hex and dashes): vigil refuses others with 400.
  const badId = `0bad0000-${randomBytes(4).toString('hex')}`;
  const goodId = `00900d00-${randomBytes(4).toString('hex')}`;
  const badBody = deliveryBody(payload, badId);
  const signature = signBody(secret, badBody);
  const wrongSig = signature.slice(0, -1) + (signature.endsWith('0') ? '1' : '0');
  const bad = await post(target.url, badBody, { ...baseHeaders, 'x-hub-signature-256': wrongSig, 'x-github-delivery': badId });
  const goodBody = deliveryBody(payload, goodId);
  const good = await post(target.url, goodBody, { ...baseHeaders, 'x-hub-signature-256': signBody(secret, goodBody), 'x-github-delivery': goodId });
  if (bad.status < 400 || bad.status >= 500) {
    throw new Error(`${target.name} answered a wrong signature with ${bad.status} (want 4xx): ${bad.body.slice(0, 200)}`);
  }
  if (good.status < 200 || good.status >= 300) {
    throw new Error(`${target.name} answered a good signature with ${good.status} (want 2xx): ${good.body.slice(0, 200)}`);
  }
  return { wrongSignature: bad.status, goodSignature: good.status };
}

/**
 * Every delivery vigil answered 2xx must be in the inbox and logged as event.received.
 * Rows beyond the 2xx answers are requests still in flight when autocannon closed its
 * connections at the end of the window: vigil read and stored them, the answer was
 * never read.
 */
export async function checkVigilDurability(home, prefix, acked) {
  await sleep(500); // let requests cut off by autocannon's stop finish inside vigil
  const db = new Database(join(home, 'vigil.db'), { readonly: true, fileMustExist: true });
  let ids;
  let githubRows;
  let states;
  try {
    ids = new Set(db.prepare(`SELECT delivery_id FROM inbox WHERE source = 'github' AND delivery_id LIKE ?`).pluck().all(`${prefix}%`));
    githubRows = db.prepare(`SELECT count(*) FROM inbox WHERE source = 'github'`).pluck().get();
    states = Object.fromEntries(
      db.prepare(`SELECT state, count(*) AS n FROM inbox WHERE source = 'github' AND delivery_id LIKE ? GROUP BY state`).all(`${prefix}%`).map((r) => [r.state, r.n]),
    );
  } finally {
    db.close();
  }
  const logged = new Map();
  const logDir = join(home, 'logs');
  for (const f of readdirSync(logDir).filter((f) => f.endsWith('.jsonl'))) {
    for (const line of readFileSync(join(logDir, f), 'utf8').split('\n')) {
      if (!line.includes('"event.received"')) continue;
      const e = JSON.parse(line);
      if (e.type === 'event.received' && e.source === 'github' && typeof e.deliveryId === 'string' && e.deliveryId.startsWith(prefix)) {
        logged.set(e.deliveryId, (logged.get(e.deliveryId) ?? 0) + 1);
      }
    }
  }
  const missingRows = acked.filter((id) => !ids.has(id)).length;
  const missingLog = acked.filter((id) => !logged.has(id)).length;
  const loggedTwice = [...logged.values()].filter((c) => c > 1).length;
  return {
    storedRows: ids.size,
    githubRowsTotal: githubRows,
    loggedReceived: [...logged.values()].reduce((a, b) => a + b, 0),
    loggedDistinct: logged.size,
    missingRows,
    missingLog,
    loggedTwice,
    storedNotAnswered: ids.size - (acked.length - missingRows),
    states,
  };
}

async function runTarget(name, ctx) {
  const { payload, baseHeaders, secret, opts, session } = ctx;
  const target = await startOne(name, ctx);
  try {
    const row0 = {};
    const probeResult = await probe(target, payload, baseHeaders, secret);
    row0.quiet = await waitQuiet(opts.waitQuiet);
    const tag = randomBytes(3).toString('hex');
    if (opts.warmup > 0) {
      await signedLoad({ url: target.url, payload, secret, headers: baseHeaders, seconds: opts.warmup, connections: opts.connections, idOf: (n) => `0a0a${tag}-${n}`, session });
    }
    const prefix = `0b0b${tag}-`;
    const before = snapshot(target.pid);
    const threadsBefore = threadTicks(target.pid);
    const machineBefore = machineTicks();
    const procsBefore = ticksByProcess();
    const selfBefore = process.cpuUsage();
    const wallBefore = performance.now();
    const fromUs = Number(process.hrtime.bigint() / 1000n);
    const { result, acked, sent, inFlightAtStop } = await signedLoad({ url: target.url, payload, secret, headers: baseHeaders, seconds: opts.seconds, connections: opts.connections, idOf: (n) => `${prefix}${n}`, session });
    const toUs = Number(process.hrtime.bigint() / 1000n);
    const after = snapshot(target.pid);
    const threadsAfter = threadTicks(target.pid);
    const machineAfter = machineTicks();
    const procsAfter = ticksByProcess();
    const self = process.cpuUsage(selfBefore);
    const wallS = (performance.now() - wallBefore) / 1000;
    const targetCpuPct = cpuPct(before, after);
    const loadGenCpuPct = ((self.user + self.system) / 1e6 / wallS) * 100;
    const machinePct = (k) => ((machineAfter[k] - machineBefore[k]) / CLK_TCK / wallS) * 100;
    const machineBusyPct = machinePct('busy');
    const treeBeforeStop = snapshot(target.pid).pids;
    const row = {
      name,
      reqPerSec: result.requests.mean,
      ok2xxPerSec: result['2xx'] / result.duration,
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      latMean: result.latency.average,
      latMax: result.latency.max,
      ok2xx: result['2xx'],
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([k, v]) => [k, v.count])),
      sent,
      inFlightAtStop,
      duration: result.duration,
      ackedIds: acked.length,
      targetCpuPct,
      // CPU the target's tree spent per answered delivery: steadier than req/s on a busy machine.
      cpuUsPer2xx: (targetCpuPct / 100) * wallS * 1e6 / Math.max(1, result['2xx']),
      // Which thread is the bottleneck: the event loop (HTTP, signature) or a helper.
      threads: threadCpu(target.pid, threadsBefore, threadsAfter, wallS).slice(0, 3),
      loadGenCpuPct,
      // What the rest of the machine took meanwhile (other users' builds, tests…).
      othersCpuPct: Math.max(0, machineBusyPct - targetCpuPct - loadGenCpuPct),
      othersTop: topOthers(procsBefore, procsAfter, new Set([...after.pids, ...before.pids, process.pid])).map((o) => ({
        pid: o.pid,
        cpuPct: round((o.cpuS / wallS) * 100, 1),
        cmd: o.cmd,
      })),
      irqCpuPct: machinePct('irq'),
      stealCpuPct: machinePct('steal'),
      loadAvg1: loadavg()[0],
      probe: probeResult,
      ...row0,
    };
    if (name === 'probot') {
      row.probotVersion = target.info.probot;
      const handled = await fetch(target.info.handledUrl).then((r) => r.json());
      row.handlerCalls = handled.handled; // warm-up + probe + measured
    }
    if (target.vigil) row.durability = await checkVigilDurability(target.vigil.home, prefix, acked);
    if (target.vigil && target.vigil.child.exitCode !== null) {
      row.exitedEarly = { code: target.vigil.child.exitCode, output: target.vigil.output().slice(-3000) };
    }
    const end = await target.stop();
    if (target.vigil) row.stop = { code: end.code, signal: end.signal, ms: Math.round(end.ms) };
    // Anything of the target's tree still alive after it exited was orphaned (vigil's worker).
    row.orphans = treeBeforeStop.filter((pid) => pid !== target.pid && isAlive(pid));
    if (target.profDir) row.profile = readProfile(target.profDir, target.pid, { fromUs, toUs });
    return row;
  } finally {
    await target.stop();
  }
}

/** Waits until the whole machine is nearly idle for one second, or `maxS` passed. */
async function waitQuiet(maxS) {
  const t0 = performance.now();
  let busyPct = NaN;
  do {
    const a = machineTicks();
    await sleep(1000);
    const b = machineTicks();
    busyPct = ((b.busy - a.busy) / CLK_TCK / ((b.at - a.at) / 1000)) * 100;
    if (busyPct < 25) return { waitedS: round((performance.now() - t0) / 1000, 1), busyPct: round(busyPct, 1), quiet: true };
  } while (performance.now() - t0 < maxS * 1000);
  return { waitedS: round((performance.now() - t0) / 1000, 1), busyPct: round(busyPct, 1), quiet: false };
}

function gitHead() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return '?';
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readProfile(dir, pid, window) {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const mine = files.find((f) => f.split('.').includes(String(pid))) ?? files[0];
  if (!mine) return { error: `no .cpuprofile in ${dir} (files: ${files.join(', ') || 'none'})` };
  const summary = summariseProfile(JSON.parse(readFileSync(join(dir, mine), 'utf8')), window);
  // The forked worker inherits --cpu-prof (fork passes execArgv): summarise it too.
  const others = files
    .filter((f) => f !== mine)
    .map((f) => ({ file: f, ...summariseProfile(JSON.parse(readFileSync(join(dir, f), 'utf8')), window) }));
  return { file: mine, others: others.map((o) => o.file), otherSummaries: others, ...summary };
}

export async function run(argv) {
  const opts = parseArgs(argv);
  const payload = issuesOpened();
  const secret = randomBytes(24).toString('hex');
  const baseHeaders = {
    'Content-Type': 'application/json',
    'User-Agent': 'GitHub-Hookshot/bench',
    'X-GitHub-Event': 'issues',
    'X-GitHub-Hook-ID': '1',
  };
  const session = { stops: new Set(), dirs: new Set(), loads: new Set() };
  const cleanup = async () => {
    for (const l of session.loads) l.stop();
    await Promise.all([...session.stops].map((s) => s().catch(() => undefined)));
    for (const d of session.dirs) rmSync(d, { recursive: true, force: true });
  };
  // Ctrl-C mid-run must not leave a daemon, a target or a temp dir behind.
  const onSigint = () => {
    console.error('\ninterrupted: stopping targets…');
    void cleanup().then(() => process.exit(130));
  };
  process.once('SIGINT', onSigint);
  const dist = opts.only.some((n) => n.startsWith('vigil')) ? snapshotDist() : undefined;
  if (dist) session.dirs.add(dist.root);
  const ctx = { payload, baseHeaders, secret, opts, session, cpuProf: opts.cpuProf, dist };
  try {
    if (dist) console.log(`vigil: a copy of dist/ built ${dist.builtAt.toISOString()} (HEAD ${gitHead()}, working tree may differ)`);
    console.log(
      `payload: issues.opened, ${payload.length} bytes (+ its delivery id), signed per request; ${opts.connections} connections, ` +
        `${opts.warmup} s warm-up + ${opts.seconds} s each; targets in turn: ${opts.only.join(', ')}`,
    );
    const rows = {};
    for (const name of opts.only) {
      process.stdout.write(`${name}… `);
      rows[name] = await runTarget(name, ctx);
      console.log(`${rows[name].reqPerSec.toFixed(0)} req/s, p99 ${rows[name].p99} ms`);
    }
    return report(opts, payload.length, rows);
  } finally {
    process.off('SIGINT', onSigint);
    await cleanup();
  }
}

const f0 = (x) => (x === undefined ? '' : x.toFixed(0));
const f1 = (x) => (x === undefined ? '' : x.toFixed(1));
const f2 = (x) => (x === undefined ? '' : x.toFixed(2));
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  for (const r of rows) console.log(r.map((cell, c) => String(cell).padEnd(widths[c])).join('  ').trimEnd());
}

function durabilityOk(row) {
  const d = row.durability;
  return d.missingRows === 0 && d.missingLog === 0 && d.loggedTwice === 0 && d.storedNotAnswered >= 0 && d.storedNotAnswered <= row.inFlightAtStop;
}

function report(opts, payloadBytes, rows) {
  const names = opts.only;
  const v = rows.vigil;
  const p = rows.probot;
  const c = rows.ceiling;
  const d = v?.durability;
  const col = (fn) => names.map((n) => fn(rows[n], n));
  const vigilCol = (fn) => col((r) => (r.durability ? fn(r, r.durability) : ''));
  const anyVigil = names.some((n) => rows[n].durability);
  console.log(
    `\nwebhooks: ${opts.connections} connections, ${opts.seconds} s each (after ${opts.warmup} s warm-up), ${payloadBytes}-byte issues.opened; ` +
      `${cpus().length} cores, CPU % of one core (tick ${1000 / CLK_TCK} ms)`,
  );
  table([
    ['', ...names],
    ['req/s (mean of seconds)', ...col((r) => f0(r.reqPerSec))],
    ['2xx / s (over window)', ...col((r) => f0(r.ok2xxPerSec))],
    ['latency p50', ...col((r) => `${r.p50} ms`)],
    ['latency p90', ...col((r) => `${r.p90} ms`)],
    ['latency p99', ...col((r) => `${r.p99} ms`)],
    ['latency mean / max', ...col((r) => `${f2(r.latMean)} / ${r.latMax} ms`)],
    ['2xx answers', ...col((r) => `${r.ok2xx} (${Object.entries(r.statusCodes).map(([k, x]) => `${k}×${x}`).join(' ')})`)],
    ['non-2xx / errors / timeouts', ...col((r) => `${r.non2xx} / ${r.errors} / ${r.timeouts}`)],
    ['in flight at stop', ...col((r) => String(r.inFlightAtStop))],
    ['target CPU % (tree)', ...col((r) => `${f0(r.targetCpuPct)} %`)],
    ['target CPU per 2xx', ...col((r) => `${f0(r.cpuUsPer2xx)} µs`)],
    ['main thread / next two CPU %', ...col((r) => r.threads.map((t) => f0(t.pct)).join(' / '))],
    ['load generator CPU %', ...col((r) => `${f0(r.loadGenCpuPct)} %`)],
    ['other processes CPU %', ...col((r) => `${f0(r.othersCpuPct)} % (load ${f1(r.loadAvg1)})`)],
    ['softirq+irq / steal CPU %', ...col((r) => `${f0(r.irqCpuPct)} % / ${f0(r.stealCpuPct)} %`)],
    ['quiet before warm-up', ...col((r) => (r.quiet.quiet ? `yes (waited ${r.quiet.waitedS} s)` : `NO: ${f0(r.quiet.busyPct)} % busy after ${r.quiet.waitedS} s`))],
    ['processes left after stop', ...col((r) => (r.orphans.length ? r.orphans.join(',') : 'none'))],
    ['wrong sig → / good sig →', ...col((r) => `${r.probe.wrongSignature} / ${r.probe.goodSignature}`)],
    ...(anyVigil
      ? [
          ['stored rows (measured ids)', ...vigilCol((_, x) => String(x.storedRows))],
          ['  = 2xx + cut off in flight', ...vigilCol((r, x) => `${r.ackedIds} + ${x.storedNotAnswered}`)],
          ['  2xx not stored', ...vigilCol((_, x) => String(x.missingRows))],
          ['event.received lines', ...vigilCol((_, x) => `${x.loggedReceived} (${x.loggedDistinct} distinct)`)],
          ['  2xx not logged', ...vigilCol((_, x) => String(x.missingLog))],
          ['inbox states', ...vigilCol((_, x) => Object.entries(x.states).map(([k, n]) => `${k} ${n}`).join(', '))],
          ['SIGTERM → exit', ...vigilCol((r) => `code ${r.stop.code ?? r.stop.signal}, ${r.stop.ms} ms`)],
        ]
      : []),
  ]);
  for (const n of names) {
    if (rows[n].exitedEarly) console.log(`ERROR: ${n} exited by itself (code ${rows[n].exitedEarly.code}) before the bench stopped it; its output ends:\n${rows[n].exitedEarly.output}`);
  }
  const noisy = names.filter((n) => rows[n].othersCpuPct > 20);
  if (noisy.length) {
    console.log(`WARNING: other processes used > 20 % of a core during ${noisy.join(', ')}: those figures are depressed by the machine, not by the target`);
    for (const n of noisy) for (const o of rows[n].othersTop) console.log(`  during ${n}: ${o.cpuPct} % pid ${o.pid} ${o.cmd}`);
  }
  if (p) console.log(`probot ${p.probotVersion}: its issues handler ran ${p.handlerCalls} times (probe + warm-up + measured)`);

  const ratioProbot = v && p ? v.reqPerSec / p.reqPerSec : undefined;
  const ratioCeiling = v && c ? v.reqPerSec / c.reqPerSec : undefined;
  const checks = {};
  if (ratioProbot !== undefined) checks.probotRatio = ratioProbot >= TARGETS.probotRatio;
  if (ratioCeiling !== undefined) checks.ceilingRatio = ratioCeiling >= TARGETS.ceilingRatio;
  if (v) checks.p99 = v.p99 <= TARGETS.p99Ms;
  if (d) checks.stored = durabilityOk(v);
  if (v) checks.noErrors = v.non2xx === 0 && v.errors === 0 && !v.exitedEarly;
  const mark = (ok) => (ok === undefined ? '' : ok ? 'PASS' : 'MISS');
  console.log('');
  const targetRows = [['vigil (default config)', 'measured', 'target', '']];
  if (ratioProbot !== undefined) targetRows.push(['vigil / probot req/s', f2(ratioProbot), `≥ ${f1(TARGETS.probotRatio)}`, mark(checks.probotRatio)]);
  if (ratioCeiling !== undefined) targetRows.push(['vigil / ceiling req/s', f2(ratioCeiling), `≥ ${f1(TARGETS.ceilingRatio)}`, mark(checks.ceilingRatio)]);
  if (v) targetRows.push(['vigil p99', `${v.p99} ms`, `≤ ${TARGETS.p99Ms} ms`, mark(checks.p99)]);
  if (d) targetRows.push(['every 2xx stored and logged once', `${d.missingRows} not stored, ${d.missingLog} not logged, ${d.loggedTwice} twice`, '0, 0, 0', mark(checks.stored)]);
  if (v) targetRows.push(['no errors, no non-2xx', `${v.errors}, ${v.non2xx}`, '0, 0', mark(checks.noErrors)]);
  const vb = rows['vigil-baseline'];
  if (vb && p) targetRows.push([`(vigil-baseline / probot) [${opts.baseline}]`, f2(vb.reqPerSec / p.reqPerSec), '', '']);
  if (vb && v) targetRows.push(['(vigil / vigil-baseline)', f2(v.reqPerSec / vb.reqPerSec), '', '']);
  const vf = rows['vigil-filtered'];
  if (vf && p) targetRows.push(['(vigil-filtered / probot)', f2(vf.reqPerSec / p.reqPerSec), '', '']);
  if (vf && c) targetRows.push(['(vigil-filtered / ceiling)', f2(vf.reqPerSec / c.reqPerSec), '', '']);
  if (p && c) targetRows.push(['(probot / ceiling)', f2(p.reqPerSec / c.reqPerSec), '', '']);
  table(targetRows);
  const missed = Object.keys(checks).filter((k) => !checks[k]);
  console.log(missed.length ? `MISSED: ${missed.join(', ')}` : v ? 'all webhook targets met' : 'no vigil run: nothing to judge');

  for (const n of names) {
    const prof = rows[n].profile;
    if (!prof) continue;
    console.log(`\n${n} CPU profile over the measured window (${prof.file ?? ''}${prof.others?.length ? `; also ${prof.others.join(', ')}` : ''}):`);
    if (prof.error) console.log(prof.error);
    else printSummary(prof, opts.top);
    for (const o of prof.otherSummaries ?? []) {
      console.log(`\n${n}: other process ${o.file} (the worker) over the same window:`);
      printSummary(o, Math.min(opts.top, 10));
    }
  }

  const slim = (r) => {
    const { profile, probe, durability, ...rest } = r;
    const out = Object.fromEntries(Object.entries(rest).map(([k, x]) => [k, typeof x === 'number' ? round(x) : x]));
    out.probe = probe;
    if (durability) out.durability = durability;
    if (profile && !profile.error) out.profileTop = profile.self.slice(0, 10).map((e) => ({ fn: e.key, pct: round(e.pct, 1) }));
    return out;
  };
  const result = {
    bench: 'webhooks',
    seconds: opts.seconds,
    warmup: opts.warmup,
    connections: opts.connections,
    payloadBytes,
    ...Object.fromEntries(names.map((n) => [n, slim(rows[n])])),
    ratios: {
      vigilProbot: ratioProbot === undefined ? null : round(ratioProbot, 3),
      vigilCeiling: ratioCeiling === undefined ? null : round(ratioCeiling, 3),
      probotCeiling: p && c ? round(p.reqPerSec / c.reqPerSec, 3) : null,
      ...(vf && p ? { vigilFilteredProbot: round(vf.reqPerSec / p.reqPerSec, 3) } : {}),
      ...(vf && c ? { vigilFilteredCeiling: round(vf.reqPerSec / c.reqPerSec, 3) } : {}),
    },
    targets: TARGETS,
    pass: checks,
    ok: missed.length === 0 && v !== undefined,
  };
  console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
  return result;
}

// A long run at a user's pace (issue 24): every example payload of
// @octokit/webhooks-examples in turn, a tick every 30 s, for half an hour, watching for
// an abort (the better-sqlite3 12 finalizer on Node 24) and for RSS that keeps growing.
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { snapshot } from './lib/proc.mjs';
import { snapshotDist, startVigil, stopVigil } from './lib/vigil.mjs';

const require = createRequire(import.meta.url);

export const summary = 'a steady trickle of every example payload and a tick every 30 s: no abort, no RSS growth trend';
export const help = `soak [--minutes N] [--per-second R]
  Starts \`vigil start\` on a fresh home (rules provider; every tick and every new
  issue proposes a memory note, allowed, so the worker runs too; ticks every 30 s).
  Posts the 329 example deliveries of @octokit/webhooks-examples in rotation, R a
  second (default 4), each signed, with a fresh delivery id, for N minutes (default
  30, or env BENCH_SOAK_MINUTES). Samples the daemon's RSS and the whole tree's every
  5 s. At the end: the exit (code 0, no signal), every answer 202, worker exits by a
  signal (none expected), and the RSS trend of the second half (least-squares slope,
  and the growth it implies over that half as a share of its mean).
  Targets: exit 0 without a signal; no worker killed by a signal; every delivery 202;
  second-half growth < 5 % of its mean.`;

const TARGET_GROWTH = 0.05;

function options(argv) {
  const value = (flag, fallback) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : fallback;
  };
  const minutes = Number(value('--minutes', process.env.BENCH_SOAK_MINUTES ?? '30'));
  const perSecond = Number(value('--per-second', '4'));
  if (!(minutes > 0)) throw new Error(`--minutes: "${minutes}" is not a positive number`);
  if (!(perSecond > 0)) throw new Error(`--per-second: "${perSecond}" is not a positive number`);
  return { minutes, perSecond };
}

/** Every example delivery: [event name, payload]. */
function examples() {
  return require('@octokit/webhooks-examples').flatMap((group) => group.examples.map((e) => [group.name, e]));
}

/**
 * The payload's bytes for the n-th delivery: a key of the bench's own makes every body
 * unique, as GitHub's are (issue 12: a body stored before under another delivery id is
 * a replay, answered 200 and never decided — a soak of replays would measure nothing).
 */
function bodyOf(payload, n) {
  return Buffer.from(JSON.stringify({ ...payload, vigil_soak_delivery: n }));
}

function post(url, body, headers) {
  return new Promise((resolve) => {
    const req = http.request(`${url}/webhooks/github`, { method: 'POST', agent: false, timeout: 10_000, headers: { ...headers, 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve(`error: ${err.message}`));
    req.end(body);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Least-squares slope, KiB per minute. */
function slope(samples, key) {
  const t = samples.map((s) => (s.at - samples[0].at) / 60000);
  const y = samples.map((s) => s[key]);
  const mt = mean(t);
  const my = mean(y);
  const den = t.reduce((a, ti) => a + (ti - mt) ** 2, 0);
  return den === 0 ? 0 : t.reduce((a, ti, i) => a + (ti - mt) * (y[i] - my), 0) / den;
}

function rssOf(pid) {
  try {
    return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

export async function run(argv) {
  const { minutes, perSecond } = options(argv);
  const deliveries = examples();
  const config = {
    tick: { schedule: '*/30 * * * * *' },
    rules: [
      { on: 'tick', propose: { action: 'memory.note', params: { text: 'soak tick at {{payload.trigger}}' } } },
      { on: 'github.issues.opened', propose: { action: 'memory.note', params: { text: 'issue {{payload.issue.number}} opened' } } },
    ],
  };
  // Half an hour is long enough for someone to rebuild dist/; the daemon runs a copy.
  const dist = snapshotDist();
  const vigil = await startVigil({ config, cli: dist.cli });
  const secret = JSON.parse(readFileSync(join(vigil.home, 'secrets.json'), 'utf8')).webhookSecret;
  console.log(`vigil pid ${vigil.pid} on Node ${process.versions.node} at ${vigil.url}; ${deliveries.length} example deliveries, ${perSecond}/s for ${minutes} min…`);

  const statuses = new Map();
  const samples = [];
  const t0 = performance.now();
  const end = t0 + minutes * 60_000;
  let sent = 0;
  let nextSample = t0;
  let died = false;
  vigil.exited.then(() => (died = true));
  while (performance.now() < end && !died) {
    const [event, payload] = deliveries[sent % deliveries.length];
    const body = bodyOf(payload, sent);
    const headers = {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': crypto.randomUUID(),
      'x-hub-signature-256': `sha256=${crypto.createHmac('sha256', secret).update(body).digest('hex')}`,
    };
    const status = await post(vigil.url, body, headers);
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    sent++;
    if (performance.now() >= nextSample) {
      const tree = snapshot(vigil.pid);
      samples.push({ at: performance.now(), daemonKiB: rssOf(vigil.pid), treeKiB: tree.rssKiB });
      nextSample += 5000;
      if (samples.length % 60 === 0) {
        const s = samples.at(-1);
        console.log(`  ${((s.at - t0) / 60000).toFixed(0)} min: ${sent} sent, daemon ${(s.daemonKiB / 1024).toFixed(1)} MB, tree ${(s.treeKiB / 1024).toFixed(1)} MB`);
      }
    }
    await sleep(Math.max(0, t0 + (sent * 1000) / perSecond - performance.now()));
  }

  const log = readLog(vigil.home);
  const diedEarly = died; // stopVigil's own exit would set it too
  const stop = diedEarly ? { ...(await vigil.exited), inTime: false } : await stopVigil(vigil);
  dist.remove();
  return report({ minutes, sent, statuses, samples, stop, died: diedEarly, log });
}

function readLog(home) {
  const types = new Map();
  const workerSignals = [];
  try {
    const { readdirSync } = require('node:fs');
    for (const f of readdirSync(join(home, 'logs'))) {
      for (const line of readFileSync(join(home, 'logs', f), 'utf8').split('\n')) {
        if (!line) continue;
        const e = JSON.parse(line);
        types.set(e.type, (types.get(e.type) ?? 0) + 1);
        if (e.type === 'worker.exited' && e.signal && e.signal !== 'SIGTERM') workerSignals.push(e.signal);
      }
    }
  } catch (err) {
    console.error(`reading the log: ${err.message}`);
  }
  return { types, workerSignals };
}

function report({ minutes, sent, statuses, samples, stop, died, log }) {
  const half = samples.slice(Math.floor(samples.length / 2));
  const halfMinutes = half.length > 1 ? (half.at(-1).at - half[0].at) / 60000 : 0;
  const trend = (key) => {
    const perMin = slope(half, key);
    return { perMinKiB: perMin, growth: (perMin * halfMinutes) / mean(half.map((s) => s[key])) };
  };
  const daemon = trend('daemonKiB');
  const tree = trend('treeKiB');
  const accepted = statuses.get(202) ?? 0;
  const checks = {
    cleanExit: !died && stop.code === 0 && stop.signal === null,
    workerNoSignal: log.workerSignals.length === 0,
    all202: accepted === sent,
    noGrowth: daemon.growth < TARGET_GROWTH && tree.growth < TARGET_GROWTH,
  };
  const mb = (kib) => (kib / 1024).toFixed(1);
  const mark = (ok) => (ok ? 'PASS' : 'MISS');
  console.log(`
Node ${process.versions.node}, ${minutes} min, ${sent} deliveries (${[...statuses].map(([s, n]) => `${s}: ${n}`).join(', ')})
decisions ${log.types.get('decision.made') ?? 0}, ticks ${log.types.get('tick.skipped') ?? 0} skipped, actions succeeded ${log.types.get('action.succeeded') ?? 0}
                         daemon                 whole tree
RSS first → last         ${mb(samples[0].daemonKiB)} → ${mb(samples.at(-1).daemonKiB)} MB        ${mb(samples[0].treeKiB)} → ${mb(samples.at(-1).treeKiB)} MB
RSS mean, second half    ${mb(mean(half.map((s) => s.daemonKiB)))} MB                ${mb(mean(half.map((s) => s.treeKiB)))} MB
slope, second half       ${daemon.perMinKiB.toFixed(0)} KB/min            ${tree.perMinKiB.toFixed(0)} KB/min
growth over that half    ${(daemon.growth * 100).toFixed(2)} %                ${(tree.growth * 100).toFixed(2)} %   (target < ${TARGET_GROWTH * 100} %)  ${mark(checks.noGrowth)}
exit                     code ${stop.code}, signal ${stop.signal}${died ? ' (died during the run)' : ''}  ${mark(checks.cleanExit)}
worker killed by signal  ${log.workerSignals.length ? log.workerSignals.join(', ') : 'never'}  ${mark(checks.workerNoSignal)}
every delivery 202       ${accepted}/${sent}  ${mark(checks.all202)}`);
  const result = { node: process.versions.node, minutes, sent, statuses: Object.fromEntries(statuses), stop, daemon, tree, workerSignals: log.workerSignals, checks };
  console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
  return result;
}

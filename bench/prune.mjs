// Retention on a real daemon (issue 18): a year's home pruned to `store.retainDays` 90
// while deliveries keep arriving, beside the same home that keeps everything, in the
// same run. What a user would feel is a stall: the loop that acknowledges deliveries
// also runs the pruning pass, so each daemon's event-loop delay (monitorEventLoopDelay,
// preloaded) and each delivery's acknowledgement are measured over the same window.
// Then the pruned home's store is read back: nothing handled older than the window is
// left, nothing unfinished went, and every row left still has its body in the spool.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawn } from 'node:child_process';
import { openLoop, percentile } from './lib/open-loop.mjs';
import { deliveryBody, signBody } from './lib/signed-load.mjs';
import { httpGet, ROOT, snapshotDist } from './lib/vigil.mjs';
import { printSummary, summariseProfile } from './lib/cpuprofile.mjs';
import { workerLoopFile } from './lib/loop-monitor.mjs';
import { workingCopy, yearHome, YEAR } from './lib/history-home.mjs';
import { issuesOpened } from './webhooks.mjs';

const require = createRequire(import.meta.url);
const Database = require('better-sqlite3');

export const summary = 'retention: a year pruned to 90 days by a running daemon under steady deliveries, beside one that keeps all';
export const help = `prune [--rate N] [--unfinished N] [--cpu-prof]
  Two working copies of the history bench's year (${YEAR.events.toLocaleString('en')} deliveries over ${YEAR.days} days): one
  with store.retainDays 90, one with 400 (nothing to prune; the control). In the
  first, N old actions (default 20) are put back to awaiting approval, so their events
  must survive. Both daemons start together (dreams held off in both), and the first
  pruning pass runs 5 minutes after start; from 15 s before it until it has finished,
  an open-loop generator posts signed deliveries to each at N a second (default 50).
  Printed per daemon: its longest turn during the pass (and its worker's, which shares
  the database: a transaction that waits for the write lock holds the worker's loop), the event-loop delay (max,
  p99) and the acknowledgement (p50, p99, max) over the whole window (which begins
  with the first deliveries' one-off work: module loads, the worker's start); for the pruned home, the pass (rows, segments,
  bytes, seconds, from its store.pruned line) and the store read back after.
  Targets (issue 18): no stall over 50 ms during the pass, in the daemon or its worker; no handled row older than
  the window left; no unfinished event pruned; every row left readable.
  --cpu-prof  the pruning daemon runs under node --cpu-prof; printed: where its main
              thread's time went during its longest turn in the pass (else in the window).`;

const DAY = 86_400_000;
const RETAIN_DAYS = 90;
/** The daemon's first pass runs this long after start (src/daemon/pruner.ts). */
const FIRST_PASS_MS = 5 * 60_000;
const HEADERS = { 'Content-Type': 'application/json', 'User-Agent': 'GitHub-Hookshot/bench', 'X-GitHub-Event': 'issues', 'X-GitHub-Hook-ID': '1' };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function value(argv, flag, fallback) {
  const i = argv.indexOf(flag);
  if (i < 0) return fallback;
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: "${argv[i + 1]}" is not a whole number ≥ 1`);
  return n;
}

function setConfig(home, change) {
  const file = join(home, 'config.json');
  const config = JSON.parse(readFileSync(file, 'utf8'));
  change(config);
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
}

/** Old decided events whose action goes back to awaiting approval: retention must keep them. */
function holdOldActions(home, count, now) {
  const db = new Database(join(home, 'vigil.db'));
  try {
    const rows = db.prepare(`SELECT a.id, a.event_id AS eventId FROM actions a JOIN inbox i ON i.id = a.event_id
      WHERE i.received_at < ? ORDER BY i.id LIMIT ?`).all(now - 200 * DAY, count);
    const hold = db.prepare(`UPDATE actions SET state = 'awaiting_approval', expires_at = ?, updated_at = ? WHERE id = ?`);
    db.transaction(() => rows.forEach((r) => hold.run(now + 7 * DAY, now, r.id)))();
    return rows.map((r) => r.eventId);
  } finally {
    db.close();
  }
}

function spoolFiles(home) {
  const dir = join(home, 'spool');
  return readdirSync(dir).map((f) => statSync(join(dir, f)).size);
}

/** Inbox rows and the oldest one's time, on an open connection (`held`: events kept back on purpose). */
function storeFigures(db, held = []) {
  return {
    rows: db.prepare('SELECT count(*) FROM inbox').pluck().get(),
    // The events held back on purpose (awaiting approval) are as old as the year; the rest shows the window.
    oldestReceivedAt: db.prepare(`SELECT min(received_at) FROM inbox${held.length ? ` WHERE id NOT IN (${held.map(() => '?').join(',')})` : ''}`).pluck().get(...held),
  };
}

function openReadOnly(home) {
  return new Database(join(home, 'vigil.db'), { readonly: true, fileMustExist: true });
}

async function startDaemon(cli, home, loopFile, nodeArgs = []) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VIGIL_')));
  Object.assign(env, { VIGIL_HOME: home, VIGIL_PORT: '0', BENCH_LOOP_FILE: loopFile });
  const child = spawn(process.execPath, [...nodeArgs, '--import', pathToFileURL(join(ROOT, 'bench/lib/loop-monitor.mjs')).href, cli, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c) => (output = (output + c).slice(-4000)));
  child.stderr.on('data', (c) => (output = (output + c).slice(-4000)));
  const startedAt = Date.now();
  let url;
  while (Date.now() - startedAt < 30_000 && child.exitCode === null) {
    try {
      url ??= JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8')).url;
    } catch {
      // not yet published
    }
    if (url && (await httpGet(`${url}/healthz`, 500).then((r) => r.status === 200, () => false))) return { child, url, startedAt, loopFile, output: () => output };
    await sleep(20);
  }
  child.kill('SIGKILL');
  throw new Error(`the daemon on ${home} did not answer /healthz:\n${output}`);
}

async function stopDaemon(daemon) {
  if (daemon.child.exitCode !== null) return;
  daemon.child.kill('SIGTERM');
  await new Promise((r) => daemon.child.once('exit', r));
}

/** The store.pruned entry in the home's logs, if the pass has finished. */
function prunedEntry(home) {
  const dir = join(home, 'logs');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort().slice(-2)) {
    const text = readFileSync(join(dir, file), 'utf8');
    const at = text.lastIndexOf('"type":"store.pruned"');
    if (at < 0) continue;
    const line = text.slice(text.lastIndexOf('\n', at) + 1, text.indexOf('\n', at));
    return JSON.parse(line);
  }
  return undefined;
}

/** Where the pruning daemon's main thread spent its longest turn in the pass, else in the window (from its .cpuprofile). */
function profileLongestTurn(dir, pid, stalls) {
  const byLength = [...stalls].sort((a, b) => b.ms - a.ms);
  const longest = byLength.find((s) => s.duringPass) ?? byLength[0];
  const file = readdirSync(dir).find((f) => f.includes(`.${pid}.`) && f.endsWith('.cpuprofile'));
  if (!longest || !file) return console.log(`--cpu-prof: ${longest ? `no profile of pid ${pid} in ${dir}` : 'no turn of 25 ms or more'}`);
  console.log(`\nthe pruning daemon's longest turn ${longest.duringPass ? 'in the pass' : 'in the window (none in the pass)'}, ${longest.ms} ms, ${(longest.sincePassBeganMs / 1000).toFixed(1)} s from the pass's start:`);
  printSummary(summariseProfile(JSON.parse(readFileSync(join(dir, file), 'utf8')), { fromUs: longest.monoUs - longest.ms * 1000, toUs: longest.monoUs }), 15);
}

function resetLoop(daemon) {
  writeFileSync(`${daemon.loopFile}.reset`, 'reset');
  writeFileSync(`${workerLoopFile(daemon.loopFile)}.reset`, 'reset');
}

/** The daemon's loop and its worker's (each process writes its own file), over the window since resetLoop. */
async function readLoop(daemon) {
  await sleep(250); // the monitor writes every 100 ms
  const read = (file) => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined);
  return { daemon: read(daemon.loopFile), worker: read(workerLoopFile(daemon.loopFile)) };
}

function deliveries(daemon, payload, secret, prefix) {
  const { pathname } = new URL(`${daemon.url}/webhooks/github`);
  return (i) => {
    const id = `${prefix}${i.toString(16).padStart(8, '0')}`;
    const body = deliveryBody(payload, id);
    return { path: pathname, id, body, headers: { ...HEADERS, 'X-GitHub-Delivery': id, 'X-Hub-Signature-256': signBody(secret, body) } };
  };
}

export async function run(argv) {
  const rate = value(argv, '--rate', 50);
  const unfinished = value(argv, '--unfinished', 20);
  const cpuProf = argv.includes('--cpu-prof');
  console.log(`load average at start: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const year = await yearHome((line) => console.log(line));
  console.log(year.cached ? `year home: cached at ${year.dir}` : `year home: generated in ${(year.generatedMs / 1000).toFixed(1)} s at ${year.dir}`);
  const snap = snapshotDist();
  const work = mkdtempSync(join(tmpdir(), 'vigil-bench-prune-'));
  const homes = { pruned: workingCopy(year, join(work, 'pruned')), control: workingCopy(year, join(work, 'control')) };
  const now = Date.now();
  for (const [name, home] of Object.entries(homes)) {
    setConfig(home, (c) => {
      c.store = { retainDays: name === 'pruned' ? RETAIN_DAYS : 400 };
      // A year's home has never dreamt: its first dream (the dream bench's subject) would
      // take a core during the window in both daemons alike; held off in both.
      c.dream = { ...c.dream, idleMinutes: 10_000_000 };
    });
  }
  const heldEvents = holdOldActions(homes.pruned, unfinished, now);
  const beforeDb = openReadOnly(homes.pruned);
  const before = { ...storeFigures(beforeDb, heldEvents), spool: spoolFiles(homes.pruned) };
  beforeDb.close();
  const secret = JSON.parse(readFileSync(join(homes.pruned, 'secrets.json'), 'utf8')).webhookSecret;
  const payload = issuesOpened();
  const daemons = {};
  const results = {};
  try {
    [daemons.pruned, daemons.control] = await Promise.all([
      startDaemon(snap.cli, homes.pruned, join(work, 'loop-pruned.json'), cpuProf ? ['--cpu-prof', '--cpu-prof-dir', join(work, 'prof'), '--cpu-prof-interval', '500'] : []),
      startDaemon(snap.cli, homes.control, join(work, 'loop-control.json')),
    ]);
    const passDue = daemons.pruned.startedAt + FIRST_PASS_MS;
    console.log(`both daemons up; the first pruning pass is due at ${new Date(passDue).toISOString()} (in ${((passDue - Date.now()) / 1000).toFixed(0)} s)`);
    await sleep(Math.max(0, passDue - 15_000 - Date.now()));

    // Load both from 15 s before the pass; extend in 10 s windows until the pass has logged.
    const windows = { pruned: [], control: [] };
    Object.values(daemons).forEach(resetLoop);
    const loadStart = Date.now();
    let pass;
    for (let w = 0; w < 30 && !pass; w++) {
      // GitHub's delivery ids are hex and dashes; vigil refuses others.
      const [a, b] = await Promise.all(['pruned', 'control'].map((name) => openLoop({ url: daemons[name].url, rate, seconds: 10, request: deliveries(daemons[name], payload, secret, `${randomBytes(4).toString('hex')}-`) })));
      windows.pruned.push(a);
      windows.control.push(b);
      pass = prunedEntry(homes.pruned);
    }
    if (!pass) throw new Error('the pruning pass did not log store.pruned within 5 minutes of load');
    const loop = { pruned: await readLoop(daemons.pruned), control: await readLoop(daemons.control) };
    for (const name of ['pruned', 'control']) {
      const all = windows[name].flatMap((w) => w.latenciesMs).sort((x, y) => x - y);
      results[name] = {
        loop: loop[name].daemon,
        workerLoop: loop[name].worker,
        sent: windows[name].reduce((n, w) => n + w.sent, 0),
        errors: windows[name].reduce((n, w) => n + w.errors, 0),
        statuses: windows[name].reduce((all, w) => {
          for (const [code, n] of Object.entries(w.statuses)) all[code] = (all[code] ?? 0) + n;
          return all;
        }, {}),
        p50: percentile(all, 50),
        p99: percentile(all, 99),
        max: all.at(-1),
      };
    }
    results.loadSeconds = (Date.now() - loadStart) / 1000;
    results.pass = { inboxRows: pass.inboxRows, segments: pass.segments, spoolBytes: pass.spoolBytes, ms: pass.ms, at: pass.ts };
    // Each turn of 25 ms or more, placed against the pass: negative = before it began.
    const began = Date.parse(pass.ts) - pass.ms;
    for (const name of ['pruned', 'control']) {
      const place = (stalls = []) => stalls.map((st) => ({ ms: st.ms, monoUs: st.monoUs, sincePassBeganMs: st.at - began, duringPass: st.at - st.ms >= began - 5 && st.at - st.ms <= Date.parse(pass.ts) + 5 }));
      results[name].stalls = place(results[name].loop.stalls);
      delete results[name].loop.stalls;
      // The worker shares the database, not the loop: its turns are its own (a transaction waiting for the write lock holds it).
      results[name].workerStalls = place(results[name].workerLoop?.stalls);
      if (results[name].workerLoop) delete results[name].workerLoop.stalls;
    }
  } finally {
    await Promise.all(Object.values(daemons).map(stopDaemon));
  }
  if (cpuProf) profileLongestTurn(join(work, 'prof'), daemons.pruned.child.pid, results.pruned.stalls);

  try {
    const db = openReadOnly(homes.pruned);
    const after = storeFigures(db, heldEvents);
    const cutoff = Date.parse(results.pass.at) - results.pass.ms - RETAIN_DAYS * DAY;
    const dist = (p) => import(pathToFileURL(join(snap.root, 'dist', p)).href);
    const { FINAL_STATES } = await dist('store/actions.js');
    // A handled row may stay only when it was decided inside the window, or holds an unfinished action.
    const handledOld = db.prepare(`SELECT count(*) FROM inbox i WHERE i.state IN ('decided', 'filtered') AND i.received_at < ? AND coalesce(i.decided_at, 0) < ?
      AND NOT EXISTS (SELECT 1 FROM actions a WHERE a.event_id = i.id AND a.state NOT IN (${FINAL_STATES.map(() => '?').join(',')}))`).pluck().get(cutoff, cutoff, ...FINAL_STATES);
    const heldLeft = db.prepare(`SELECT count(*) FROM inbox WHERE id IN (${heldEvents.map(() => '?').join(',') || 'NULL'})`).pluck().get(...heldEvents);
    const refs = db.prepare('SELECT payload_ref FROM inbox WHERE payload_ref IS NOT NULL').pluck().all();
    // Every row left reads its body back through vigil's own spool reader.
    const { Spool } = await dist('store/spool.js');
    const spool = new Spool(join(homes.pruned, 'spool'));
    const unreadable = refs.filter((ref) => {
      try {
        return typeof spool.read(ref) !== 'string';
      } catch {
        return true;
      }
    }).length;
    spool.close();
    db.close();
    const spoolAfter = spoolFiles(homes.pruned);
    results.store = {
      rowsBefore: before.rows,
      rowsAfter: after.rows,
      oldestBeforeDays: (now - before.oldestReceivedAt) / DAY,
      oldestAfterDays: (now - after.oldestReceivedAt) / DAY,
      handledOlderThanWindow: handledOld,
      heldEvents: heldEvents.length,
      heldEventsLeft: heldLeft,
      spoolBefore: { files: before.spool.length, bytes: before.spool.reduce((a, b) => a + b, 0) },
      spoolAfter: { files: spoolAfter.length, bytes: spoolAfter.reduce((a, b) => a + b, 0) },
      refsLeft: refs.length,
      refsWithoutSegment: unreadable,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
    snap.remove();
  }
  report(results, rate);
}

function report(r, rate) {
  const f = (n, d = 1) => (n === undefined || Number.isNaN(n) ? '–' : n.toFixed(d));
  const mb = (b) => `${(b / 1048576).toFixed(1)} MB`;
  console.log(`\n${rate} deliveries/s to each daemon for ${f(r.loadSeconds, 0)} s around the pass`);
  console.log(`${''.padEnd(34)} ${'retainDays 90 (pruning)'.padStart(24)} ${'retainDays 400 (control)'.padStart(25)}`);
  const row = (what, a, b) => console.log(`${what.padEnd(34)} ${a.padStart(24)} ${b.padStart(25)}`);
  const longestInPass = (stalls) => {
    const ms = Math.max(0, ...stalls.filter((st) => st.duringPass).map((st) => st.ms));
    return ms ? `${ms} ms` : 'under 25 ms';
  };
  row('longest turn during the pass', longestInPass(r.pruned.stalls), longestInPass(r.control.stalls));
  row('loop delay max / p99, whole window', `${f(r.pruned.loop.maxMs)} / ${f(r.pruned.loop.p99Ms)} ms`, `${f(r.control.loop.maxMs)} / ${f(r.control.loop.p99Ms)} ms`);
  const worker = (x) => (x.workerLoop ? longestInPass(x.workerStalls) : 'not running');
  row("the worker's longest turn in the pass", worker(r.pruned), worker(r.control));
  row('ack p50 / p99 / max', `${f(r.pruned.p50)} / ${f(r.pruned.p99)} / ${f(r.pruned.max)} ms`, `${f(r.control.p50)} / ${f(r.control.p99)} / ${f(r.control.max)} ms`);
  row('deliveries sent, errors', `${r.pruned.sent}, ${r.pruned.errors}`, `${r.control.sent}, ${r.control.errors}`);
  const listed = (stalls) => stalls.map((st) => `${st.ms} ms at ${(st.sincePassBeganMs / 1000).toFixed(1)} s${st.duringPass ? ' (in the pass)' : ''}`).join(', ') || 'none';
  console.log(`turns of 25 ms or more, from the pass's start: pruning ${listed(r.pruned.stalls)}; control ${listed(r.control.stalls)}`);
  console.log(`the workers' turns of 25 ms or more: pruning ${listed(r.pruned.workerStalls)}; control ${listed(r.control.workerStalls)}`);
  if (r.pruned.errors || r.control.errors) console.log(`answers: pruning ${JSON.stringify(r.pruned.statuses)}, control ${JSON.stringify(r.control.statuses)}`);
  const s = r.store;
  console.log(`\nthe pass: ${r.pass.inboxRows.toLocaleString('en')} inbox rows, ${r.pass.segments} spool segments (${mb(r.pass.spoolBytes)}), ${f(r.pass.ms / 1000, 2)} s`);
  console.log(`inbox rows ${s.rowsBefore.toLocaleString('en')} → ${s.rowsAfter.toLocaleString('en')}; oldest (but the held events) ${f(s.oldestBeforeDays, 0)} → ${f(s.oldestAfterDays, 0)} days; spool ${s.spoolBefore.files} files ${mb(s.spoolBefore.bytes)} → ${s.spoolAfter.files} files ${mb(s.spoolAfter.bytes)}`);
  console.log(`handled rows older than the window left: ${s.handledOlderThanWindow}; old events awaiting approval kept: ${s.heldEventsLeft} of ${s.heldEvents}; rows whose body no longer reads: ${s.refsWithoutSegment} of ${s.refsLeft}`);
  const met = {
    // Both loops: the daemon's answers deliveries; the worker's waits for the write lock the pass takes.
    noStallOver50msInThePass: ![...r.pruned.stalls, ...r.pruned.workerStalls].some((st) => st.duringPass && st.ms > 50),
    noErrors: r.pruned.errors === 0,
    windowOnly: s.handledOlderThanWindow === 0,
    unfinishedKept: s.heldEventsLeft === s.heldEvents,
    bodiesKept: s.refsWithoutSegment === 0,
  };
  console.log(`targets: ${Object.entries(met).map(([k, v]) => `${k} ${v ? 'met' : 'MISSED'}`).join(', ')}`);
  console.log(`load average at end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`BENCH_RESULT ${JSON.stringify({ bench: 'prune', date: new Date().toISOString(), rate, results: r, met })}`);
}

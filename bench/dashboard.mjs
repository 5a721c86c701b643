// The dashboard on a month of logs (issue 17): 30 days, 60,000 entries from the dream
// bench's generator in the home, a real daemon from a snapshot of dist/. Times the
// dashboard's first HTML (`GET /`, the timeline as threads), the charts' data
// (`GET /api/charts`) and the Activity page, beside reading the same day's log whole;
// the daemon's event-loop delay (perf_hooks.monitorEventLoopDelay, preloaded) while
// the pages load.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeLogs } from './dream.mjs';
import { ROOT, snapshotDist } from './lib/vigil.mjs';

export const summary = 'dashboard: first HTML and charts data on 30 days of logs (60,000 entries), event-loop delay while pages load';
export const help = `dashboard [--entries N] [--days D] [--loads L]
  Writes D days (default 30) of N log entries (default 60,000; the dream bench's
  generator) ending today, starts the daemon on that home, logs in, lets the counts
  catch up once (timed), then loads / , /api/charts and /activity L times each
  (default 20) and reads today's log file whole (readLogEntries) as many times.
  Targets: first HTML (median and max) ≤ 300 ms, charts data ≤ 300 ms, event-loop
  delay max ≤ 50 ms while the pages load.`;

const TARGETS = { htmlMs: 300, chartsMs: 300, loopMaxMs: 50 };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function arg(argv, name, fallback) {
  const i = argv.indexOf(name);
  if (i < 0) return fallback;
  const n = Number(argv[i + 1]);
  if (!Number.isFinite(n) || n < 1) throw new Error(`${name}: "${argv[i + 1]}" is not a number ≥ 1`);
  return n;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed(url, cookie) {
  const t0 = performance.now();
  const res = await fetch(url, { headers: { cookie } });
  const body = await res.text();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status} ${body.slice(0, 200)}`);
  return { ms, bytes: body.length, body };
}

export async function run(argv) {
  const entries = arg(argv, '--entries', 60_000);
  const days = arg(argv, '--days', 30);
  const loads = arg(argv, '--loads', 20);
  const snapshot = snapshotDist();
  const dist = join(snapshot.root, 'dist');
  const cli = join(dist, 'cli', 'main.js');
  const tmp = mkdtempSync(join(tmpdir(), 'vigil-bench-dashboard-'));
  const home = join(tmp, 'home');
  const loopFile = join(tmp, 'loop.json');
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VIGIL_'))), VIGIL_HOME: home, VIGIL_PORT: '0', BENCH_LOOP_FILE: loopFile };
  let daemon;
  try {
    const init = spawnSync(process.execPath, [cli, 'init'], { env, encoding: 'utf8' });
    if (init.status !== 0) throw new Error(`vigil init: ${init.stderr}`);
    // The month ends today: the last generated day is today's log.
    const start = new Date();
    start.setHours(0, 0, 0, 0);
    start.setDate(start.getDate() - (days - 1));
    const month = await writeLogs(dist, home, { entries, days, startDay: 0, startMs: start.getTime() });

    daemon = spawn(process.execPath, ['--import', pathToFileURL(join(ROOT, 'bench/lib/loop-monitor.mjs')).href, cli, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    daemon.stdout.on('data', (c) => (output = (output + c).slice(-8000)));
    daemon.stderr.on('data', (c) => (output = (output + c).slice(-8000)));
    let url;
    for (let i = 0; i < 600 && !url; i++) {
      try {
        url = JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8')).url;
      } catch {
        await sleep(25);
      }
    }
    if (!url) throw new Error(`the daemon did not start:\n${output}`);
    const token = JSON.parse(readFileSync(join(home, 'secrets.json'), 'utf8')).dashboardToken;
    const login = await fetch(`${url}/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }) });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    if (login.status !== 303 || !cookie) throw new Error(`login: HTTP ${login.status}`);

    // The month's counts, once per home (the daemon starts this at once; the first charts request waits for it).
    // The loop's window starts after the daemon's own start (loading modules is not a page).
    writeFileSync(`${loopFile}.reset`, '');
    while (existsSync(`${loopFile}.reset`)) await sleep(20);
    const catchUp = await timed(`${url}/api/charts`, cookie);
    const loopOf = () => JSON.parse(readFileSync(loopFile, 'utf8'));
    const loopDuringCatchUp = loopOf();
    writeFileSync(`${loopFile}.reset`, '');
    while (existsSync(`${loopFile}.reset`)) await sleep(20);

    const html = [];
    const charts = [];
    const activity = [];
    let threads = 0;
    for (let i = 0; i < loads; i++) {
      const page = await timed(`${url}/`, cookie);
      html.push(page.ms);
      threads = (page.body.match(/class="thread /g) ?? []).length;
      charts.push((await timed(`${url}/api/charts`, cookie)).ms);
      activity.push((await timed(`${url}/activity`, cookie)).ms);
    }
    await sleep(250);
    const loop = loopOf();

    const { readLogEntries, logFilePath } = await import(pathToFileURL(join(dist, 'logs/index.js')).href);
    const { localDate } = await import(pathToFileURL(join(dist, 'clock.js')).href);
    const todayFile = logFilePath(join(home, 'logs'), localDate(Date.now()));
    const whole = [];
    let todayEntries = 0;
    for (let i = 0; i < loads; i++) {
      const t0 = performance.now();
      todayEntries = readLogEntries(todayFile).length;
      whole.push(performance.now() - t0);
    }

    const result = {
      entries: month.written,
      days,
      todayEntries,
      threadsShown: threads,
      firstHtmlMs: { median: median(html), max: Math.max(...html) },
      chartsDataMs: { median: median(charts), max: Math.max(...charts) },
      activityPageMs: { median: median(activity), max: Math.max(...activity) },
      readTodayWholeMs: { median: median(whole), max: Math.max(...whole) },
      firstCountMs: catchUp.ms,
      loopWhileLoading: loop,
      loopDuringFirstCount: loopDuringCatchUp,
    };
    const ok = (b) => (b ? 'ok' : 'MISSED');
    const f = (x) => x.toFixed(1);
    console.log(`${result.entries} entries over ${days} days; today's log ${todayEntries} entries; ${loads} loads each`);
    console.log('');
    console.log('| | median | max | target |');
    console.log('| --- | --- | --- | --- |');
    console.log(`| first HTML, \`GET /\` (${threads} threads) | ${f(result.firstHtmlMs.median)} ms | ${f(result.firstHtmlMs.max)} ms | ≤ ${TARGETS.htmlMs} ms ${ok(result.firstHtmlMs.max <= TARGETS.htmlMs)} |`);
    console.log(`| charts' data, \`GET /api/charts\` | ${f(result.chartsDataMs.median)} ms | ${f(result.chartsDataMs.max)} ms | ≤ ${TARGETS.chartsMs} ms ${ok(result.chartsDataMs.max <= TARGETS.chartsMs)} |`);
    console.log(`| Activity page, \`GET /activity\` | ${f(result.activityPageMs.median)} ms | ${f(result.activityPageMs.max)} ms | |`);
    console.log(`| reading today's log whole (readLogEntries, in this process) | ${f(result.readTodayWholeMs.median)} ms | ${f(result.readTodayWholeMs.max)} ms | |`);
    console.log(`| event-loop delay while the pages load (monitorEventLoopDelay) | p99 ${f(loop.p99Ms)} ms | ${f(loop.maxMs)} ms | ≤ ${TARGETS.loopMaxMs} ms ${ok(loop.maxMs <= TARGETS.loopMaxMs)} |`);
    console.log(`| counting the month once (first \`/api/charts\` after start) | ${f(catchUp.ms)} ms | event loop max ${f(loopDuringCatchUp.maxMs)} ms (after the login) | |`);
    console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
  } finally {
    if (daemon && daemon.exitCode === null) {
      daemon.kill('SIGTERM');
      await new Promise((r) => daemon.once('exit', r));
    }
    rmSync(tmp, { recursive: true, force: true });
    snapshot.remove();
  }
}

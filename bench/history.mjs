// After a year of use (issue 18): how fast the commands a person types answer, how
// fast the daemon starts, and what it holds idle — each as a whole process, beside
// `node -e 0` in the same run, on a home a generator filled with a year of activity.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { rssKiB, snapshot } from './lib/proc.mjs';
import { httpGet, snapshotDist } from './lib/vigil.mjs';
import { workingCopy, yearHome, YEAR } from './lib/history-home.mjs';

export const summary = 'a year of history: status, log, verify, search, approvals, start → /healthz, idle RSS, beside node -e 0';
export const help = `history [--rounds N]
  Generates (once per day, cached under /tmp/vigil-bench-history-*) a home with
  ${YEAR.days} daily logs, ${YEAR.entries.toLocaleString('en')} entries, ${YEAR.events.toLocaleString('en')} inbox events and
  ${YEAR.actions.toLocaleString('en')} actions; on a copy, starts the daemon (spawn → first 200 from
  /healthz), then times each command as a whole process, N rounds (default 5)
  interleaved with \`node -e 0\`, medians: vigil status, vigil log (today, a day a
  year ago), vigil log verify --date (a year ago), vigil memory search (cold: the
  first search builds the index of the whole year; warm), vigil approvals. Then
  the daemon's idle RSS beside a bare node process, once the daemon has no child
  left (a year's home has never dreamt: a minute after start a dream reads the year).
  Targets: status ≤ 2× node -e 0 + 100 ms; search warm ≤ 200 ms, cold ≤ 60 s;
  start → /healthz ≤ 1 s; idle RSS ≤ 2× bare node.`;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function vigilEnv(home) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VIGIL_')));
  return { ...env, VIGIL_HOME: home, NO_COLOR: '1' };
}

/** One whole process: spawn → exit, output read and dropped. */
function timed(args, env) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stdout.resume();
    child.stderr.on('data', (c) => (err = (err + c).slice(-2000)));
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = performance.now() - t0;
      if (code !== 0) reject(new Error(`${args.slice(1).join(' ')} exited ${code}: ${err}`));
      else resolve(ms);
    });
  });
}

async function startDaemon(cli, home) {
  const env = { ...vigilEnv(home), VIGIL_PORT: '0' };
  const t0 = performance.now();
  const child = spawn(process.execPath, [cli, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c) => (output = (output + c).slice(-4000)));
  child.stderr.on('data', (c) => (output = (output + c).slice(-4000)));
  let url;
  while (performance.now() - t0 < 30_000 && child.exitCode === null) {
    try {
      url ??= JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8')).url;
    } catch {
      // not yet published
    }
    if (url && (await httpGet(`${url}/healthz`, 500).then((r) => r.status === 200, () => false))) {
      return { child, url, readyMs: performance.now() - t0 };
    }
    await sleep(5);
  }
  child.kill('SIGKILL');
  throw new Error(`the daemon did not answer /healthz: ${output}`);
}

/** Wait until `pid` has no child process (a dream, the worker), up to `maxMs`; the children's peak RSS meanwhile. */
async function childrenGone(pid, maxMs) {
  const t0 = performance.now();
  let peakKiB = 0;
  for (;;) {
    const tree = snapshot(pid);
    peakKiB = Math.max(peakKiB, tree.rssKiB - rssKiB(pid).total);
    const gone = tree.pids.length <= 1;
    if (gone || performance.now() - t0 > maxMs) return { waitedS: (performance.now() - t0) / 1000, peakChildRssMB: peakKiB / 1024, gone };
    await sleep(500);
  }
}

export async function run(argv) {
  const i = argv.indexOf('--rounds');
  const rounds = i >= 0 ? Number(argv[i + 1]) : 5;
  const load = loadavg();
  console.log(`load average at start: ${load.map((l) => l.toFixed(2)).join(' ')}`);
  const year = await yearHome((line) => console.log(line));
  console.log(year.cached ? `year home: cached at ${year.dir}` : `year home: generated in ${(year.generatedMs / 1000).toFixed(1)} s at ${year.dir}`);
  const snap = snapshotDist();
  const work = mkdtempSync(join(tmpdir(), 'vigil-bench-history-run-'));
  const home = workingCopy(year, work);
  const env = vigilEnv(home);
  const cli = snap.cli;
  const today = year.dates.at(-1);
  const yearAgo = year.dates[0];
  const results = {};
  let daemon;
  try {
    daemon = await startDaemon(cli, home);
    results.startToHealthzMs = daemon.readyMs;

    // Cold: the working copy's index is empty; the first search indexes the whole year.
    results.searchColdMs = await timed([cli, 'memory', 'search', 'flaky parser'], env);

    const commands = {
      nodeE0: ['-e', '0'],
      status: [cli, 'status'],
      logToday: [cli, 'log'],
      logYearAgo: [cli, 'log', '--date', yearAgo],
      verifyYearAgo: [cli, 'log', 'verify', '--date', yearAgo],
      searchWarm: [cli, 'memory', 'search', 'flaky parser'],
      approvals: [cli, 'approvals'],
    };
    const samples = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
    for (let r = 0; r < rounds; r++) {
      for (const [name, args] of Object.entries(commands)) {
        samples[name].push(await timed(args, env));
        // node -e 0 again after every command, so both see the same minute of load.
        samples.nodeE0.push(await timed(commands.nodeE0, env));
      }
    }
    for (const [name, xs] of Object.entries(samples)) results[`${name}Ms`] = median(xs);

    // Idle: the daemon and a bare node process, side by side, after a quiet spell. A year's
    // home has never dreamt, so a minute after start the daemon starts a dream: its child
    // reads the year (hundreds of MB while it runs). That is work, not idle: wait until
    // the daemon has no child left, then the quiet spell, and count the daemon alone.
    const dreamWait = await childrenGone(daemon.child.pid, 300_000);
    results.childrenWaitS = dreamWait.waitedS;
    results.childPeakRssMB = dreamWait.peakChildRssMB;
    const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    await sleep(10_000);
    const rss = { vigil: [], bare: [] };
    for (let s = 0; s < 10; s++) {
      // The daemon alone: a child (a dream, the worker woken) is work, not the idle process.
      const tree = snapshot(daemon.child.pid);
      rss.vigil.push(rssKiB(daemon.child.pid).total);
      results.childPeakRssMB = Math.max(results.childPeakRssMB, (tree.rssKiB - rssKiB(daemon.child.pid).total) / 1024);
      rss.bare.push(snapshot(bare.pid).rssKiB);
      await sleep(1000);
    }
    bare.kill();
    results.idleRssMB = median(rss.vigil) / 1024;
    results.bareRssMB = median(rss.bare) / 1024;
  } finally {
    if (daemon) {
      daemon.child.kill('SIGTERM');
      await new Promise((r) => (daemon.child.exitCode !== null ? r() : daemon.child.once('exit', r)));
    }
    rmSync(work, { recursive: true, force: true });
    snap.remove();
  }

  const node = results.nodeE0Ms;
  const rows = [
    ['node -e 0', node, ''],
    ['vigil status', results.statusMs, `≤ 2× node + 100 = ${(2 * node + 100).toFixed(0)} ms`],
    ['vigil log (today)', results.logTodayMs, ''],
    [`vigil log --date ${yearAgo}`, results.logYearAgoMs, ''],
    [`vigil log verify --date ${yearAgo}`, results.verifyYearAgoMs, ''],
    ['vigil memory search, cold (indexes the year)', results.searchColdMs, '≤ 60,000 ms'],
    ['vigil memory search, warm', results.searchWarmMs, '≤ 200 ms'],
    ['vigil approvals', results.approvalsMs, ''],
    ['vigil start → /healthz 200', results.startToHealthzMs, '≤ 1,000 ms'],
  ];
  console.log(`\n${'what'.padEnd(48)} ${'ms'.padStart(9)}  ${'× node -e 0'.padStart(11)}  target`);
  for (const [what, ms, target] of rows) console.log(`${what.padEnd(48)} ${ms.toFixed(0).padStart(9)}  ${(ms / node).toFixed(2).padStart(11)}  ${target}`);
  console.log(`children of the daemon (a dream over the year) gone after ${results.childrenWaitS.toFixed(1)} s; their peak RSS ${results.childPeakRssMB.toFixed(1)} MB`);
  console.log(`idle RSS: vigil ${results.idleRssMB.toFixed(1)} MB, bare node ${results.bareRssMB.toFixed(1)} MB, ratio ${(results.idleRssMB / results.bareRssMB).toFixed(2)} (≤ 2.0)`);
  const met = {
    status: results.statusMs <= 2 * node + 100,
    searchWarm: results.searchWarmMs <= 200,
    searchCold: results.searchColdMs <= 60_000,
    startToHealthz: results.startToHealthzMs <= 1000,
    idleRss: results.idleRssMB <= 2 * results.bareRssMB,
  };
  console.log(`targets: ${Object.entries(met).map(([k, v]) => `${k} ${v ? 'met' : 'MISSED'}`).join(', ')}`);
  console.log(`load average at end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`BENCH_RESULT ${JSON.stringify({ bench: 'history', date: new Date().toISOString(), loadavg: [load, loadavg()], rounds, year: YEAR, results, met })}`);
}

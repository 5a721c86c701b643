// Idle cost of vigil next to the cheapest possible always-on node process.
// Both are started together and sampled on the same ticks, so machine noise hits
// both alike; the bare process is the yardstick for "what node alone costs".
import { spawn } from 'node:child_process';
import { CLK_TCK, snapshot } from './lib/proc.mjs';
import { startVigil, stopVigil } from './lib/vigil.mjs';

export const summary = 'idle vigil vs bare node: startup, RSS, CPU, process count, clean stop';
export const help = `idle [--seconds N]
  Starts \`vigil start\` (fresh temp home, default config, VIGIL_PORT=0) and a bare
  \`node -e "setInterval(()=>{},1000)"\` together, times spawn → first 200 from
  /healthz, then samples both every second for N seconds (default 60, or env
  BENCH_IDLE_SECONDS): RSS summed over each process tree, CPU time including
  reaped children. MB = 1024*1024 bytes.
  Targets: ready ≤ 1000 ms, RSS vigil/bare (means) ≤ 2.0, vigil CPU ≤ 1 % of one
  core, 1 vigil process, SIGTERM → exit 0 within 10 s.`;

const TARGETS = { readyMs: 1000, rssRatio: 2.0, cpuPct: 1.0, processes: 1, stopMs: 10000 };

function parseSeconds(argv) {
  const i = argv.indexOf('--seconds');
  const raw = i >= 0 ? argv[i + 1] : process.env.BENCH_IDLE_SECONDS ?? '60';
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 1) throw new Error(`--seconds / BENCH_IDLE_SECONDS: "${raw}" is not a number ≥ 1`);
  return n;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mb = (kib) => kib / 1024;
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Least-squares slope of RSS over time, KiB per minute: shows a slow leak a mean hides. */
function driftKiBPerMin(samples) {
  const t = samples.map((s) => (s.at - samples[0].at) / 60000);
  const y = samples.map((s) => s.rssKiB);
  const mt = mean(t);
  const my = mean(y);
  const den = t.reduce((a, ti) => a + (ti - mt) ** 2, 0);
  return den === 0 ? 0 : t.reduce((a, ti, i) => a + (ti - mt) * (y[i] - my), 0) / den;
}

/** Figures for one process tree over the window. */
function summarise(samples) {
  const first = samples[0];
  const last = samples.at(-1);
  const wallS = (last.at - first.at) / 1000;
  const cpuS = (last.ticks - first.ticks) / CLK_TCK;
  // Per-second CPU, to tell a steady trickle from periodic spikes.
  const perSecond = samples.slice(1).map((s, i) => ((s.ticks - samples[i].ticks) / CLK_TCK / ((s.at - samples[i].at) / 1000)) * 100);
  return {
    rssMeanMB: mb(mean(samples.map((s) => s.rssKiB))),
    rssMaxMB: mb(Math.max(...samples.map((s) => s.rssKiB))),
    anonMeanMB: mb(mean(samples.map((s) => s.anonKiB))),
    rssFirstMB: mb(first.rssKiB),
    rssLastMB: mb(last.rssKiB),
    rssDriftKBPerMin: driftKiBPerMin(samples),
    cpuPct: (cpuS / wallS) * 100,
    cpuMaxSecondPct: Math.max(0, ...perSecond),
    cpuBusySeconds: perSecond.filter((p) => p > 0).length,
    processesMax: Math.max(...samples.map((s) => s.pids.length)),
    processesMin: Math.min(...samples.map((s) => s.pids.length)),
    pidsSeen: [...new Set(samples.flatMap((s) => s.pids))].length,
    windowS: wallS,
  };
}

export async function run(argv) {
  const seconds = parseSeconds(argv);
  const bare = spawn(process.execPath, ['-e', 'setInterval(()=>{},1000)'], { stdio: 'ignore' });
  const bareExited = new Promise((r) => bare.once('exit', r));
  let vigil;
  // Ctrl-C mid-run must not leave a daemon or a temp home behind.
  const onSigint = async () => {
    bare.kill('SIGKILL');
    if (vigil) await stopVigil(vigil, 2000).catch(() => undefined);
    process.exit(130);
  };
  process.once('SIGINT', onSigint);
  try {
    vigil = await startVigil();
    console.log(`vigil pid ${vigil.pid} ready in ${vigil.readyMs.toFixed(0)} ms at ${vigil.url}; bare node pid ${bare.pid}; sampling ${seconds} s…`);

    const samples = { vigil: [], bare: [] };
    const t0 = performance.now();
    // Sample on an absolute schedule so timer drift does not stretch the window.
    for (let i = 0; i <= seconds; i++) {
      await sleep(Math.max(0, t0 + i * 1000 - performance.now()));
      samples.vigil.push(snapshot(vigil.pid));
      samples.bare.push(snapshot(bare.pid));
      if (samples.vigil.at(-1).pids.length === 0) throw new Error(`vigil exited during the window:\n${vigil.output()}`);
    }

    const { pid, readyMs } = vigil;
    const treeBeforeStop = samples.vigil.at(-1).pids;
    const stop = await stopVigil(vigil, TARGETS.stopMs);
    vigil = undefined;
    // Anything of vigil's still alive after it exited was orphaned (e.g. a worker).
    const leftovers = treeBeforeStop.filter((p) => p !== pid && isAlive(p));
    bare.kill('SIGKILL');
    await bareExited;

    return report({ seconds, readyMs, v: summarise(samples.vigil), b: summarise(samples.bare), stop, leftovers });
  } finally {
    process.off('SIGINT', onSigint);
    bare.kill('SIGKILL');
    if (vigil) await stopVigil(vigil, 2000).catch(() => undefined);
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

const f1 = (x) => x.toFixed(1);
const f2 = (x) => x.toFixed(2);

/** Prints the table and the BENCH_RESULT line; returns the result object. */
function report({ seconds, readyMs, v, b, stop, leftovers }) {
  const rssRatio = v.rssMeanMB / b.rssMeanMB;
  const checks = {
    ready: readyMs <= TARGETS.readyMs,
    rssRatio: rssRatio <= TARGETS.rssRatio,
    cpu: v.cpuPct <= TARGETS.cpuPct,
    processes: v.processesMax <= TARGETS.processes,
    cleanStop: stop.inTime && stop.code === 0 && leftovers.length === 0,
  };
  const mark = (ok) => (ok ? 'PASS' : 'MISS');
  const rows = [
    ['', 'vigil', 'bare node', 'target', ''],
    ['spawn → /healthz 200', `${readyMs.toFixed(0)} ms`, '', `≤ ${TARGETS.readyMs} ms`, mark(checks.ready)],
    ['RSS mean', `${f1(v.rssMeanMB)} MB`, `${f1(b.rssMeanMB)} MB`, '', ''],
    ['RSS max', `${f1(v.rssMaxMB)} MB`, `${f1(b.rssMaxMB)} MB`, '', ''],
    ['RSS first → last', `${f1(v.rssFirstMB)} → ${f1(v.rssLastMB)}`, `${f1(b.rssFirstMB)} → ${f1(b.rssLastMB)}`, '', ''],
    ['RSS drift (linear fit)', `${v.rssDriftKBPerMin.toFixed(0)} KB/min`, `${b.rssDriftKBPerMin.toFixed(0)} KB/min`, '', ''],
    ['RSS ratio vigil/bare (means)', f2(rssRatio), '', `≤ ${f1(TARGETS.rssRatio)}`, mark(checks.rssRatio)],
    ['RSS ratio vigil/bare (maxes)', f2(v.rssMaxMB / b.rssMaxMB), '', '', ''],
    // The official Node binaries embed ICU and link statically: pages of the binary a
    // program touches (time zones, crypto, http) count in RSS but are shared, clean page cache.
    ['  of it private (RssAnon), mean', `${f1(v.anonMeanMB)} MB`, `${f1(b.anonMeanMB)} MB`, '', ''],
    ['  file-backed (binary, libraries)', `${f1(v.rssMeanMB - v.anonMeanMB)} MB`, `${f1(b.rssMeanMB - b.anonMeanMB)} MB`, '', ''],
    ['CPU % of one core', `${f2(v.cpuPct)} %`, `${f2(b.cpuPct)} %`, `≤ ${f1(TARGETS.cpuPct)} %`, mark(checks.cpu)],
    ['CPU worst second', `${f1(v.cpuMaxSecondPct)} %`, `${f1(b.cpuMaxSecondPct)} %`, '', ''],
    ['seconds with any CPU', `${v.cpuBusySeconds}/${seconds}`, `${b.cpuBusySeconds}/${seconds}`, '', ''],
    ['processes (min–max, pids seen)', `${v.processesMin}–${v.processesMax}, ${v.pidsSeen}`, `${b.processesMin}–${b.processesMax}, ${b.pidsSeen}`, `${TARGETS.processes}`, mark(checks.processes)],
    ['SIGTERM → exit', `code ${stop.code ?? stop.signal} in ${stop.ms.toFixed(0)} ms${leftovers.length ? `, orphans ${leftovers.join(',')}` : ''}`, '', '0 in ≤ 10 s', mark(checks.cleanStop)],
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  console.log(`\nidle on Node ${process.versions.node} (${process.execPath}): ${seconds} s window (${f1(v.windowS)} s measured), CPU tick ${1000 / CLK_TCK} ms`);
  for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd());
  const missed = Object.keys(checks).filter((k) => !checks[k]);
  console.log(missed.length ? `MISSED: ${missed.join(', ')}` : 'all idle targets met');

  const result = {
    bench: 'idle',
    seconds,
    readyMs: Math.round(readyMs),
    vigil: roundAll(v),
    bare: roundAll(b),
    rssRatio: round(rssRatio, 3),
    rssRatioMax: round(v.rssMaxMB / b.rssMaxMB, 3),
    stop: { code: stop.code, signal: stop.signal, ms: Math.round(stop.ms), inTime: stop.inTime, orphans: leftovers },
    targets: TARGETS,
    pass: checks,
    ok: missed.length === 0,
  };
  console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
  return result;
}

const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const roundAll = (o) => Object.fromEntries(Object.entries(o).map(([k, x]) => [k, round(x)]));

// The dream pass at scale (issue 5): a month of logs (60,000 entries over 30 days, with
// memory notes full of duplicates, contradictions and relative dates), one full
// deterministic dream as `vigil dream --now` runs it, then 1,000 new entries and an
// incremental dream through the model-backed consolidator with a counting fake model.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { snapshotDist } from './lib/vigil.mjs';

export const summary = 'dream: full deterministic pass over 60,000 log entries, then an incremental pass over 1,000';
export const help = `dream [--entries N] [--days D] [--new M]
  Builds a temp home with N log entries (default 60000) over D days (30); one
  event in a hundred is a memory note (five entries each: event, decision, allowed,
  started, succeeded — 600 notes a month) drawn from a pool of 300 facts, so most
  are duplicates, values change every ten days, and some say "yesterday" or "next
  Monday".
  Full pass: \`vigil dream --now\` (no daemon, rules consolidator) as a process —
  wall time, and peak RSS from /proc (VmHWM). Then M new entries (1000) and an
  incremental dream with the model-backed consolidator and a fake model that
  answers no operations: entries read, and model tokens (estimated at 4 characters
  a token: no model is called).
  Targets: full pass ≤ 10 s and ≤ 200 MB peak RSS; incremental reads ≤ 2× M.`;

const TARGETS = { fullSeconds: 10, peakMB: 200, readRatio: 2 };

function arg(argv, name, fallback) {
  const i = argv.indexOf(name);
  const n = Number(i >= 0 ? argv[i + 1] : fallback);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}: "${argv[i + 1]}" is not a whole number`);
  return n;
}

const REPOS = Array.from({ length: 10 }, (_, i) => `octo/repo${i}`);
const ATTRIBUTES = ['default branch', 'CI command', 'deploy target', 'release manager', 'test runner'];

/** Note number k of the month: a fact from a pool of 300, whose value moves every ten days. */
function noteText(k, day) {
  const repo = REPOS[k % REPOS.length];
  const slot = Math.floor(k / REPOS.length) % 30;
  if (slot < ATTRIBUTES.length * 4) {
    const attribute = ATTRIBUTES[slot % ATTRIBUTES.length];
    return [repo, `The ${attribute} of ${repo} is \`value-${slot}-${Math.floor(day / 10)}\`.`];
  }
  if (slot === 25) return [repo, `The flaky test ${k % 7} of ${repo} was fixed yesterday.`];
  if (slot === 26) return [repo, `Release freeze for ${repo} starts next Monday.`];
  return [repo, `Remember item ${slot} about ${repo}: it needs care.`];
}

function filler(eventId, i) {
  switch (i % 4) {
    case 0:
      return [{ type: 'tick.skipped', reason: 'nothing changed since the last decided tick' }];
    case 1:
      return [{ type: 'event.received', eventId, source: 'github', kind: 'github.push', deliveryId: `d-${eventId}` }];
    case 2:
      return [{ type: 'event.received', eventId, source: 'github', kind: 'github.issues.opened', deliveryId: `d-${eventId}` }];
    default:
      return [{ type: 'decision.made', eventId, kind: 'github.issues.opened', act: false, summary: `issue ${eventId} needs nothing`, model: 'rules', proposals: [] }];
  }
}

/** Days of logs written with the real DailyLog (hash-chained), notes into memory/inbox.md as memory.note writes them. */
export async function writeLogs(dist, home, { entries, days, startDay, startMs }) {
  const { DailyLog } = await import(pathToFileURL(join(dist, 'logs/index.js')).href);
  const { FakeClock, localDate } = await import(pathToFileURL(join(dist, 'clock.js')).href);
  const clock = new FakeClock(startMs);
  const log = new DailyLog({ dir: join(home, 'logs'), clock });
  const perDay = Math.ceil(entries / days);
  let written = 0;
  let eventId = startDay * 100_000;
  let note = startDay * 10_000;
  let inbox = '';
  for (let day = 0; day < days && written < entries; day++) {
    clock.set(startMs + day * 86_400_000 + 6 * 3_600_000);
    let batch = [];
    for (let i = 0; i < perDay && written + batch.length < entries; i++) {
      clock.advance(20_000);
      if (i % 100 < 3 && written + batch.length + 5 <= entries) {
        const [topic, text] = noteText(note, startDay + day);
        const actionId = `b${String(note++).padStart(7, '0')}`;
        const date = localDate(clock.now());
        batch.push(
          { type: 'event.received', eventId, source: 'tick', kind: 'tick' },
          { type: 'decision.made', eventId, kind: 'tick', act: true, summary: `remember: ${text}`, model: 'rules', proposals: [{ action: 'memory.note', params: { text, topic }, rationale: '' }] },
          { type: 'action.allowed', actionId, action: 'memory.note', reason: 'default' },
          { type: 'action.started', actionId, action: 'memory.note', attempt: 1 },
          { type: 'action.succeeded', actionId, action: 'memory.note', result: { appended: true } },
        );
        inbox += `- [${topic}] ${text} (source: action ${actionId}, event ${eventId}, ${date}) <!-- vigil:action:${actionId} -->\n`;
        eventId++;
        i += 4;
      } else {
        batch.push(...filler(eventId++, i));
      }
      if (batch.length >= 200) {
        written += log.appendMany(batch).length;
        batch = [];
      }
    }
    written += log.appendMany(batch).length;
  }
  log.close();
  mkdirSync(join(home, 'memory'), { recursive: true });
  appendFileSync(join(home, 'memory', 'inbox.md'), inbox);
  return { written, notes: inbox.split('\n').length - 1 };
}

/** Run a process to its end, sampling its peak RSS (VmHWM) from /proc. */
function measure(command, args, env) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let peakKiB = 0;
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setInterval(() => {
      try {
        const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKiB = Math.max(peakKiB, Number(m[1]));
      } catch {
        // exited between two samples
      }
    }, 10);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      const seconds = (performance.now() - t0) / 1000;
      if (code !== 0) reject(new Error(`${args.join(' ')} exited ${code}: ${out}`));
      else resolve({ seconds, peakMB: peakKiB / 1024, out });
    });
  });
}

/** The incremental dream in a child: the model-backed consolidator, a fake model that counts what it is sent. */
const INCREMENTAL = `
const [dist, home] = process.argv.slice(1);
const imp = (p) => import(new URL(p, 'file://' + dist + '/').href);
const { loadConfig, homePaths } = await imp('config/index.js');
const { Store } = await imp('store/index.js');
const { runDream } = await imp('dream/dream.js');
const { ModelConsolidator } = await imp('dream/model-consolidator.js');
const { systemClock } = await imp('clock.js');
const paths = homePaths(home);
const config = loadConfig(paths.config, {});
const store = Store.open(paths.db);
let calls = 0, promptChars = 0;
const fake = async (prompt) => { calls++; promptChars += prompt.system.length + prompt.user.length; return { operations: [] }; };
const report = await runDream({ home, memoryDir: paths.memory, logsDir: paths.logs, store, clock: systemClock, dream: config.dream,
  permissions: config.permissions, repos: config.repos, consolidator: new ModelConsolidator(fake), trigger: 'manual' });
store.close();
console.log(JSON.stringify({ report, calls, promptChars }));
`;

export async function run(argv) {
  const entries = arg(argv, '--entries', 60_000);
  const days = arg(argv, '--days', 30);
  const fresh = arg(argv, '--new', 1_000);
  const snapshot = snapshotDist();
  const dist = join(snapshot.root, 'dist');
  const cli = join(dist, 'cli', 'main.js');
  const tmp = mkdtempSync(join(tmpdir(), 'vigil-bench-dream-'));
  const home = join(tmp, 'home');
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VIGIL_'))), VIGIL_HOME: home };
  try {
    const init = spawnSync(process.execPath, [cli, 'init'], { env, encoding: 'utf8' });
    if (init.status !== 0) throw new Error(`vigil init: ${init.stderr}`);
    const start = new Date();
    start.setHours(0, 0, 0, 0);
    start.setDate(start.getDate() - days - 1);
    const t0 = performance.now();
    const month = await writeLogs(dist, home, { entries, days, startDay: 0, startMs: start.getTime() });
    const generateSeconds = (performance.now() - t0) / 1000;

    const full = await measure(process.execPath, [cli, 'dream', '--now'], env);
    const fullReport = /dream \w+ finished: (\d+) added, (\d+) updated, (\d+) removed, (\d+) stale \((\d+) new log entries, (\d+) notes, ([\d.]+) s\)/.exec(full.out);
    if (!fullReport) throw new Error(`no report in: ${full.out}`);

    const later = await writeLogs(dist, home, { entries: fresh, days: 1, startDay: days, startMs: start.getTime() + days * 86_400_000 });
    const inc = spawnSync(process.execPath, ['--input-type=module', '-e', INCREMENTAL, dist, home], { env, encoding: 'utf8' });
    if (inc.status !== 0) throw new Error(`incremental dream: ${inc.stderr}`);
    const incremental = JSON.parse(inc.stdout.trim().split('\n').pop());

    const result = {
      entries: month.written,
      notes: month.notes,
      generateSeconds,
      full: {
        wallSeconds: full.seconds,
        dreamSeconds: Number(fullReport[7]),
        peakMB: full.peakMB,
        entriesRead: Number(fullReport[5]),
        added: Number(fullReport[1]),
        updated: Number(fullReport[2]),
      },
      incremental: {
        newEntries: later.written,
        newNotes: later.notes,
        entriesRead: incremental.report.entriesRead,
        readRatio: incremental.report.entriesRead / later.written,
        modelCalls: incremental.calls,
        modelTokens: incremental.report.modelTokens,
        durationMs: incremental.report.durationMs,
      },
    };
    const ok = (b) => (b ? 'ok' : 'MISSED');
    console.log(`generated ${result.entries} entries (${result.notes} notes) over ${days} days in ${generateSeconds.toFixed(1)} s`);
    console.log('');
    console.log('| | measured | target |');
    console.log('| --- | --- | --- |');
    console.log(`| full pass, \`vigil dream --now\` wall time | ${result.full.wallSeconds.toFixed(2)} s (the dream itself ${result.full.dreamSeconds.toFixed(1)} s) | ≤ ${TARGETS.fullSeconds} s ${ok(result.full.wallSeconds <= TARGETS.fullSeconds)} |`);
    console.log(`| full pass, peak RSS | ${result.full.peakMB.toFixed(1)} MB | ≤ ${TARGETS.peakMB} MB ${ok(result.full.peakMB <= TARGETS.peakMB)} |`);
    console.log(`| full pass, entries read | ${result.full.entriesRead} | |`);
    console.log(`| incremental, entries read for ${result.incremental.newEntries} new | ${result.incremental.entriesRead} (${result.incremental.readRatio.toFixed(2)}×) | ≤ ${TARGETS.readRatio}× ${ok(result.incremental.readRatio <= TARGETS.readRatio)} |`);
    console.log(`| incremental, model tokens (${result.incremental.modelCalls} call(s), ${result.incremental.newNotes} notes) | ${result.incremental.modelTokens} (estimated) | |`);
    console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    snapshot.remove();
  }
}

// A team's vigil (issue 19): intake deliveries/s and decisions/s for one SQLite node,
// one PostgreSQL node and three PostgreSQL nodes on one database, side by side in one
// run on this machine. Each setup runs alone: its nodes start on fresh homes, autocannon
// (in this process) posts signed issues.opened deliveries for N seconds spread evenly
// over the nodes, then the bench waits until the inbox is drained (every stored event
// decided). Every node decides with the same offline rule (one proposal per event) in
// `observe` mode, so each decision writes a decision, a denied action and its log lines
// and nothing executes — the same work on both stores.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { CLK_TCK, machineTicks, snapshot } from './lib/proc.mjs';
import { startPostgres } from './lib/postgres.mjs';
import { signedLoad } from './lib/signed-load.mjs';
import { startVigil, stopVigil } from './lib/vigil.mjs';
import { issuesOpened } from './webhooks.mjs';

const HEADERS = { 'content-type': 'application/json', 'x-github-event': 'issues', 'user-agent': 'GitHub-Hookshot/bench' };

export const summary = 'a team on PostgreSQL: intake deliveries/s and decisions/s, 1 SQLite node vs 1 and 3 PostgreSQL nodes';
export const help = `team [--seconds N] [--connections N] [--only sqlite,pg1,pg3] [--drain-timeout N]
  Three setups, one after another, each alone:
    sqlite   \`vigil start\` on a fresh home (SQLite, the default)
    pg1      one \`vigil start --node n1\` with store.url on a throwaway PostgreSQL
             cluster (initdb + pg_ctl, fsync and synchronous_commit on)
    pg3      three nodes (n1, n2, n3) on one database of one such cluster
  autocannon posts signed issues.opened deliveries (a fresh X-GitHub-Delivery each) for
  N seconds (default 10) with N connections in all (default 24), split evenly over the
  nodes. Every node decides with one rule (github.issues.opened → notify) in observe
  mode (the proposal is denied: nothing executes). After the load the bench waits (up
  to --drain-timeout s, default 120) until no stored event is pending or claimed.
  intake/s: 2xx answers per second of load. decisions/s: events decided from the
  start of the load until the inbox was drained, per second of that span. CPU % is of
  one core: the nodes (their process trees), PostgreSQL (the postmaster's tree), and
  the whole machine (2 cores = 200 %), over the load window. Checks: every delivery
  answered 2xx is stored once, and every stored event has exactly one decision.`;

const ORDER = ['sqlite', 'pg1', 'pg3'];
const RULES = [{ name: 'opened', on: 'github.issues.opened', propose: { action: 'notify', params: { title: 'opened #{{payload.issue.number}}', body: 'bench' } } }];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function parseArgs(argv) {
  const value = (flag, fallback) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : fallback;
  };
  const num = (flag, fallback, min) => {
    const n = Number(value(flag, fallback));
    if (!Number.isFinite(n) || n < min) throw new Error(`${flag}: "${value(flag, fallback)}" is not a number ≥ ${min}`);
    return n;
  };
  const only = value('--only', ORDER.join(',')).split(',').filter(Boolean);
  const bad = only.filter((n) => !ORDER.includes(n));
  if (bad.length) throw new Error(`--only: unknown setup ${bad.join(', ')} (known: ${ORDER.join(', ')})`);
  return {
    seconds: num('--seconds', '10', 1),
    connections: num('--connections', '24', 3),
    drainTimeout: num('--drain-timeout', '120', 1),
    only: ORDER.filter((n) => only.includes(n)),
  };
}

function nodeConfig(storeUrl) {
  return {
    tick: { schedule: '0 0 1 1 *' },
    github: { coalesceSeconds: 0 },
    permissions: { mode: 'observe', rules: [] },
    rules: RULES,
    log: { level: 'warn' },
    ...(storeUrl ? { store: { url: storeUrl } } : {}),
  };
}

/** What the store holds: stored deliveries of this run, undecided ones, decisions. */
function sqliteCounter(home) {
  return async (prefix) => {
    const db = new Database(join(home, 'vigil.db'), { readonly: true, fileMustExist: true });
    try {
      const ids = db.prepare(`SELECT delivery_id FROM inbox WHERE delivery_id LIKE ?`).pluck().all(`${prefix}%`);
      const undecided = db.prepare(`SELECT count(*) FROM inbox WHERE source = 'github' AND state IN ('pending', 'claimed')`).pluck().get();
      const decisions = db.prepare(`SELECT count(*) FROM decisions d JOIN inbox i ON i.id = d.event_id WHERE i.delivery_id LIKE ?`).pluck().get(`${prefix}%`);
      return { ids, undecided, decisions };
    } finally {
      db.close();
    }
  };
}

function pgCounter(url) {
  return async (prefix) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const ids = (await client.query(`SELECT delivery_id FROM inbox WHERE delivery_id LIKE $1`, [`${prefix}%`])).rows.map((r) => r.delivery_id);
      const undecided = Number((await client.query(`SELECT count(*) AS n FROM inbox WHERE state IN ('pending', 'claimed')`)).rows[0].n);
      const decisions = Number((await client.query(`SELECT count(*) AS n FROM decisions d JOIN inbox i ON i.id = d.event_id WHERE i.delivery_id LIKE $1`, [`${prefix}%`])).rows[0].n);
      return { ids, undecided, decisions };
    } finally {
      await client.end();
    }
  };
}

async function runSetup(name, opts, payload, cluster) {
  const secret = randomBytes(20).toString('hex');
  const env = { GITHUB_WEBHOOK_SECRET: secret };
  const nodes = [];
  let counter;
  let postgresPid;
  let database;
  try {
    if (name === 'sqlite') {
      const vigil = await startVigil({ env, config: nodeConfig() });
      nodes.push(vigil);
      counter = sqliteCounter(vigil.home);
    } else {
      database = `bench_${name}`;
      const admin = new pg.Client({ connectionString: cluster.url('postgres') });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${database}`);
      await admin.end();
      const url = cluster.url(database);
      const count = name === 'pg3' ? 3 : 1;
      // One at a time: the first migrates the database.
      for (let i = 1; i <= count; i++) nodes.push(await startVigil({ env, config: nodeConfig(url), args: ['--node', `n${i}`] }));
      counter = pgCounter(url);
      postgresPid = cluster.postmasterPid();
    }
    const prefix = randomBytes(4).toString('hex') + '-';
    const per = Math.max(1, Math.floor(opts.connections / nodes.length));
    const before = { machine: machineTicks(), nodes: nodes.map((n) => snapshot(n.pid)), pg: postgresPid ? snapshot(postgresPid) : undefined };
    const t0 = performance.now();
    const runs = await Promise.all(nodes.map((n, i) => signedLoad({
          url: `${n.url}/webhooks/github`,
          payload,
          secret,
          headers: HEADERS,
          seconds: opts.seconds,
          connections: per,
          // Hex and dashes, as GitHub's ids (vigil refuses others).
          idOf: (k) => `${prefix}${i}${k.toString(16).padStart(8, '0')}`,
        })));
    const tLoad = performance.now();
    const after = { machine: machineTicks(), nodes: nodes.map((n) => snapshot(n.pid)), pg: postgresPid ? snapshot(postgresPid) : undefined };
    const acked = runs.flatMap((r) => r.acked);
    let state = await counter(prefix);
    const deadline = tLoad + opts.drainTimeout * 1000;
    while (state.undecided > 0 && performance.now() < deadline) {
      await sleep(100);
      state = await counter(prefix);
    }
    const tDrained = performance.now();
    const stored = new Set(state.ids);
    const windowS = (tLoad - t0) / 1000;
    const cpu = (b, a) => (b && a ? ((a.ticks - b.ticks) / CLK_TCK / ((a.at - b.at) / 1000)) * 100 : undefined);
    const machineBusy = ((after.machine.busy + after.machine.irq - before.machine.busy - before.machine.irq) / CLK_TCK / windowS) * 100;
    return {
      name,
      nodes: nodes.length,
      intakePerS: acked.length / windowS,
      decisionsPerS: state.decisions / ((tDrained - t0) / 1000),
      drainedAfterLoadS: (tDrained - tLoad) / 1000,
      drained: state.undecided === 0,
      acked: acked.length,
      stored: state.ids.length,
      storedTwice: state.ids.length - stored.size,
      ackedMissing: acked.filter((id) => !stored.has(id)).length,
      decisions: state.decisions,
      p99Ms: Math.max(...runs.map((r) => r.result.latency.p99)),
      non2xx: runs.reduce((s, r) => s + r.result.non2xx, 0),
      errors: runs.reduce((s, r) => s + r.result.errors, 0),
      cpuNodesPct: before.nodes.reduce((s, b, i) => s + cpu(b, after.nodes[i]), 0),
      cpuPostgresPct: cpu(before.pg, after.pg),
      cpuMachinePct: machineBusy,
    };
  } finally {
    await Promise.all(nodes.map((n) => stopVigil(n, 10000)));
  }
}

const f = (n, d = 0) => (n === undefined ? '–' : n.toFixed(d));

export async function run(argv) {
  const opts = parseArgs(argv);
  const payload = issuesOpened();
  const cluster = opts.only.some((n) => n.startsWith('pg')) ? await startPostgres() : undefined;
  const results = [];
  try {
    for (const name of opts.only) {
      console.log(`  ${name}: ${opts.seconds} s of load, ${opts.connections} connections…`);
      results.push(await runSetup(name, opts, payload, cluster));
    }
  } finally {
    cluster?.stop();
  }
  console.log('');
  console.log('  setup   nodes  intake/s  p99 ms  decisions/s  drained +s  CPU nodes %  CPU postgres %  CPU machine %  acked  stored  missing  twice  decisions');
  for (const r of results) {
    console.log(
      `  ${r.name.padEnd(7)} ${String(r.nodes).padStart(5)}  ${f(r.intakePerS).padStart(8)}  ${f(r.p99Ms).padStart(6)}  ${f(r.decisionsPerS).padStart(11)}  ${f(r.drainedAfterLoadS, 1).padStart(10)}  ${f(r.cpuNodesPct).padStart(11)}  ${f(r.cpuPostgresPct).padStart(14)}  ${f(r.cpuMachinePct).padStart(13)}  ${String(r.acked).padStart(5)}  ${String(r.stored).padStart(6)}  ${String(r.ackedMissing).padStart(7)}  ${String(r.storedTwice).padStart(5)}  ${String(r.decisions).padStart(9)}`,
    );
  }
  const failures = results.filter((r) => r.ackedMissing || r.storedTwice || !r.drained || r.decisions !== r.stored).map((r) => r.name);
  if (failures.length) console.log(`  CHECK FAILED for ${failures.join(', ')}: an acknowledged delivery missing, stored twice, or not decided exactly once`);
  console.log(`BENCH_RESULT ${JSON.stringify({ bench: 'team', seconds: opts.seconds, connections: opts.connections, results, checksPassed: failures.length === 0 })}`);
}

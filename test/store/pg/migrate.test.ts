/**
 * Issue 19's acceptance for `vigil migrate`: a SQLite home with a replayed day (every
 * payload of @octokit/webhooks-examples through the real daemon) and two dreams, copied
 * into a real PostgreSQL cluster; a home pointed at that database answers `vigil log`,
 * `vigil log verify` and `vigil memory search` as the SQLite home does. The SQLite home
 * is not changed by the copy; a second run finds its copy and checks it again; another
 * home is refused. `vigil memory` and `history` show the same memory; a restore on the
 * team's home killed between its two files leaves memory wholly old, then completes.
 * Processes, through dist/.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { BIN, cliEnv, killDaemons, makeHome, removeHomes, runCli, sleep, startDaemon, type RunningDaemon } from '../../helpers/home.js';
import { postgresAvailability, usePostgres } from '../../helpers/postgres.js';
import { postDelivery, webhookSecret } from '../../helpers/webhooks.js';
import { dashboardToken, login } from '../../web/helpers.js';

type Example = { name: string; examples: Array<Record<string, unknown>> };
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as Example[];
const PG = postgresAvailability();
const daemons: RunningDaemon[] = [];

afterAll(async () => {
  await killDaemons(daemons);
  removeHomes();
});

/** SHA-256 of every file of the home's state: the database, the spool, the logs, the memory folder. */
function stateFiles(home: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of ['vigil.db', 'spool', 'logs', 'memory']) {
    const full = path.join(home, part);
    if (!fs.existsSync(full)) continue;
    const files = fs.statSync(full).isDirectory()
      ? fs.readdirSync(full, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name))
      : [full];
    for (const file of files) out[path.relative(home, file)] = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  }
  return out;
}

/** Replays the examples from `from` to `to` (a range of the flattened list) into a running daemon. */
async function replay(home: string, from: number, to: number): Promise<void> {
  const daemon = await startDaemon(home, {}, 30_000);
  daemons.push(daemon);
  const secret = webhookSecret(home);
  const all = examples.flatMap((group) => group.examples.map((payload) => ({ event: group.name, body: JSON.stringify(payload) })));
  for (const { event, body } of all.slice(from, to)) {
    const res = await postDelivery(daemon.url, secret, body, { event, deliveryId: crypto.randomUUID() });
    expect([200, 202]).toContain(res.status);
  }
  daemon.proc.kill('SIGTERM');
  await daemon.exited;
}

/** The home's daemon once more: a browser logs in and subscribes to web push (an https:// push service, as browsers use). */
async function phoneOnHome(home: string): Promise<{ cookie: string; endpoint: string }> {
  const daemon = await startDaemon(home, {}, 30_000);
  daemons.push(daemon);
  const { cookie, csrf } = await login(daemon.url, dashboardToken(home));
  const endpoint = `https://push.example.test/send/${crypto.randomBytes(8).toString('hex')}`;
  const keys = { p256dh: crypto.createECDH('prime256v1').generateKeys().toString('base64url'), auth: crypto.randomBytes(16).toString('base64url') };
  const res = await fetch(`${daemon.url}/api/push/subscriptions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf },
    body: JSON.stringify({ endpoint, keys }),
  });
  expect(res.status).toBe(201);
  daemon.proc.kill('SIGTERM');
  await daemon.exited;
  return { cookie, endpoint };
}

async function until(probe: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function ok(run: ReturnType<typeof runCli>): string {
  expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
  return run.stdout;
}

describe.runIf(PG.available)('vigil migrate: a SQLite home into PostgreSQL (real cluster, processes)', () => {
  const db = usePostgres('migrate');
  const heads = async () => (await db.sql<{ path: string; v: number }>('SELECT path, max(version) AS v FROM memory_files GROUP BY path ORDER BY path')).rows;

  /**
   * A topic restored on the team's home is the topic and the index in one transaction:
   * the restoring process killed between the two leaves memory wholly old; run again, it
   * is wholly new — the topic as the home kept that version.
   */
  async function restoreKilledThenDone(home: string, team: string): Promise<void> {
    const rel = 'topics/codertocat-hello-world.md';
    const versions = (JSON.parse(ok(runCli(team, ['memory', 'history', rel, '--json']))) as { versions: { version: string }[] }).versions;
    const version = versions[versions.length - 1]!.version;
    const before = await heads();
    const proc = spawn(process.execPath, [BIN, 'memory', 'history', rel, '--restore', version], {
      env: cliEnv(team, { VIGIL_FAILPOINTS: 'memory.pg_file_written=20000' }),
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    // Inside the write's transaction: the topic's row inserted, not committed, the process waiting at the failpoint.
    await until(async () => (await db.sql(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'vigil:cli' AND state = 'idle in transaction'`)).rows.length > 0, 'the restore inside its transaction');
    expect((await db.sql(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted`)).rows.length).toBeGreaterThan(0);
    proc.kill('SIGKILL');
    await exited;
    expect(await heads()).toEqual(before);
    await until(async () => (await db.sql(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'vigil:cli'`)).rows.length === 0, 'the killed restore\'s connection to end');
    expect(await heads()).toEqual(before);

    expect(ok(runCli(team, ['memory', 'history', rel, '--restore', version]))).toBe(`restored ${rel} to ${version}\n`);
    const after = await heads();
    expect(after.find((h) => h.path === rel)!.v).toBe(before.find((h) => h.path === rel)!.v + 1);
    const kept = fs.readFileSync(path.join(home, 'memory', '.history', ...rel.split('/'), version), 'utf8');
    expect(ok(runCli(team, ['memory', 'show', rel]))).toBe(`${kept.trimEnd()}\n`);
  }

  it('copies a replayed day and two dreams; the team home answers log, log verify and memory search as the SQLite home', { timeout: 300_000 }, async () => {
    const home = makeHome();
    const total = examples.reduce((n, g) => n + g.examples.length, 0);
    // Two dreams, so memory files have kept versions (.history) as well as their text now.
    await replay(home, 0, Math.floor(total / 2));
    ok(runCli(home, ['dream', '--now']));
    await replay(home, Math.floor(total / 2), total);
    ok(runCli(home, ['dream', '--now']));
    // A dream without a daemon leaves its log lines in the outbox for the daemon: the copy refuses a home until they are written.
    const waiting = runCli(home, ['migrate', '--to', db.url, '--node', 'alpha']);
    expect(waiting.status).toBe(1);
    expect(waiting.stderr).toMatch(/log records wait in the outbox .* \[VIGIL_ERR_MIGRATE_SOURCE\]/);
    const phone = await phoneOnHome(home);
    expect(fs.readdirSync(path.join(home, 'memory', '.history'), { recursive: true }).length).toBeGreaterThan(0);
    // A reminder that came due while the home was stopped (its row has no action: the key is made), and one that fired.
    const homeDb = new Database(path.join(home, 'vigil.db'));
    homeDb.prepare('INSERT INTO reminders (action_id, due_at, note, fired_at) VALUES (NULL, ?, ?, NULL), (NULL, ?, ?, ?)').run(Date.now() - 1000, 'review #5', Date.now() - 86_400_000, 'fired long ago', Date.now() - 86_000_000);
    homeDb.close();

    const before = stateFiles(home);
    const migrate = runCli(home, ['migrate', '--to', db.url, '--node', 'alpha']);
    const said = ok(migrate);
    expect(said).toMatch(/^migrate: .* into postgres:\/\//m);
    expect(said).toMatch(/^copied and verified: \d+ events/m);
    expect(said).toMatch(/every count and SHA-256 matches the home; \d+ chains of node alpha verify/);
    expect(said).toMatch(/, 1 dashboard logins, 1 web push subscriptions, 1 reminders still to fire, 0 rule suggestions, \d+ questions to the owner not sent yet, \d+ model calls of the usage ledger, the last dream and how far it read$/m);
    expect(said).toMatch(/^left in the home: .*reminders \(fired\) 1/m);
    // The home was only read.
    expect(stateFiles(home)).toEqual(before);

    // What the database holds: each event with its body byte for byte, ids kept; the memory files as they are.
    const events = (await db.sql<{ id: number; body: Buffer; received_by: string }>('SELECT id, body, received_by FROM inbox ORDER BY id')).rows;
    expect(events.length).toBeGreaterThan(200);
    expect(new Set(events.map((e) => e.received_by))).toEqual(new Set(['alpha']));
    const memory = (await db.sql<{ path: string; content: string }>(
      'SELECT DISTINCT ON (path) path, content FROM memory_files ORDER BY path, version DESC',
    )).rows.filter((r) => r.content !== null);
    const topics = fs.readdirSync(path.join(home, 'memory', 'topics'));
    expect(memory.map((m) => m.path).sort()).toEqual(['MEMORY.md', ...topics.map((t) => `topics/${t}`)].sort());
    for (const m of memory) expect(m.content, m.path).toBe(fs.readFileSync(path.join(home, 'memory', ...m.path.split('/')), 'utf8'));
    expect((await db.sql<{ n: number }>('SELECT count(*)::int AS n FROM memory_files WHERE version > 1')).rows[0]!.n).toBeGreaterThan(0);

    // A home pointed at the database: the same answers.
    const team = makeHome({ store: { url: db.url } });
    // The team's dream goes on from the home's last: the same dream, read as far.
    const homeDream = JSON.parse(ok(runCli(home, ['dream', '--json']))) as { lastDreamId: string; lastDreamAt: string; readUpTo: string };
    const teamDream = JSON.parse(ok(runCli(team, ['dream', '--json']))) as { lastDreamId: string; lastDreamAt: string; readUpTo: string; dreamedBy: string };
    expect(teamDream).toMatchObject({ lastDreamId: homeDream.lastDreamId, lastDreamAt: homeDream.lastDreamAt, dreamedBy: 'alpha' });
    expect(teamDream.readUpTo).toMatch(new RegExp(`^alpha/${homeDream.readUpTo.split('@')[0]}#\\d+$`));
    const days = fs.readdirSync(path.join(home, 'logs')).filter((f) => f.endsWith('.jsonl')).map((f) => f.slice(0, -'.jsonl'.length));
    expect(days.length).toBeGreaterThan(0);
    for (const day of days) {
      const jsonOf = (out: string) => out.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      const mine = jsonOf(ok(runCli(home, ['log', '--date', day, '--json'])));
      const theirs = jsonOf(ok(runCli(team, ['log', '--date', day, '--json'])));
      expect(theirs.map((e) => e.node)).toEqual(mine.map(() => 'alpha'));
      expect(theirs.map(({ node: _node, ...e }) => e)).toEqual(mine);
      expect(mine.length).toBeGreaterThan(100);
      // For people: the same lines, each naming its node.
      const text = ok(runCli(team, ['log', '--date', day]));
      expect(text.split('\n').filter(Boolean).every((line) => line.includes('  node=alpha '))).toBe(true);
      expect(text.replaceAll('  node=alpha ', '  ')).toBe(ok(runCli(home, ['log', '--date', day])));
    }
    const verifyMine = ok(runCli(home, ['log', 'verify']));
    const verifyTheirs = ok(runCli(team, ['log', 'verify']));
    expect(verifyTheirs.replace(/alpha\/(\d{4}-\d{2}-\d{2})/g, '$1.jsonl')).toBe(verifyMine);
    expect(verifyMine).toMatch(/^ok {4}\S+\.jsonl {2}\d+ entries$/m);

    for (const query of ['hello world', 'release published', 'Codertocat', 'dream', 'pull request opened', 'nothing-matches-this-xyzzy']) {
      type Hit = { date: string; ref: string; kind: string; snippet: string; score: number };
      const mine = JSON.parse(ok(runCli(home, ['memory', 'search', '--json', '--limit', '50', query]))) as Hit[];
      const theirs = JSON.parse(ok(runCli(team, ['memory', 'search', '--json', '--limit', '50', query]))) as Hit[];
      // A log entry's ref names its node's chain in a team; the rest is the same.
      const named = theirs.map((h) => ({ ...h, ref: h.ref.replace(/^log alpha\/(\d{4}-\d{2}-\d{2})#/, 'log $1#') }));
      // Equal scores may come in another order (the order the index was filled in): same hits, same scores.
      const order = (hits: Hit[]) => [...hits].sort((a, b) => a.score - b.score || a.ref.localeCompare(b.ref));
      expect(order(named), query).toEqual(order(mine));
      expect(named.map((h) => h.score), query).toEqual(mine.map((h) => h.score));
      if (query !== 'nothing-matches-this-xyzzy') expect(mine.length, query).toBeGreaterThan(0);
    }
    // Memory: the index, a topic, and the kept versions, as the home's folder shows them.
    for (const args of [['memory', '--json'], ['memory', 'show', 'codertocat/hello-world'], ['memory', 'history', '--json'], ['memory', 'history', 'MEMORY.md', '--json']]) {
      expect(ok(runCli(team, args)), args.join(' ')).toBe(ok(runCli(home, args)));
    }
    expect(JSON.parse(ok(runCli(team, ['memory', 'history', '--json']))).length).toBeGreaterThan(0);

    // The search's index is a file of this node, not state: thrown away, it is built again the same.
    fs.rmSync(path.join(team, 'cache'), { recursive: true });
    expect(ok(runCli(team, ['memory', 'search', '--json', 'Codertocat']))).toContain('Codertocat');

    // Again: the database holds exactly this home, checked and left alone.
    const again = ok(runCli(home, ['migrate', '--to', db.url, '--node', 'alpha']));
    expect(again).toMatch(/^already copied, verified again: /m);
    // Another home is refused; nothing of it is written.
    const other = makeHome();
    expect(runCli(other, ['migrate', '--to', db.url]).stderr).toMatch(/the daemon never ran on this home, so there is nothing to copy \[VIGIL_ERR_MIGRATE_SOURCE\]/);
    await replay(other, 0, 3);
    const refused = runCli(other, ['migrate', '--to', db.url, '--node', 'beta']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/VIGIL_ERR_MIGRATE_TARGET/);
    expect((await db.sql<{ n: number }>(`SELECT count(*)::int AS n FROM log_entries WHERE node = 'beta'`)).rows[0]!.n).toBe(0);
    // A URL that is not PostgreSQL's is a usage error.
    expect(runCli(other, ['migrate', '--to', 'mysql://x/y']).status).toBe(2);

    // Written on the team's home: a restore, killed mid-write, then done.
    await restoreKilledThenDone(home, team);
    // The team's memory has moved on from the home's: a copy no longer.
    expect(runCli(home, ['migrate', '--to', db.url, '--node', 'alpha']).stderr).toMatch(/memory: \d+ rows, the home has \d+; copy into an empty database \[VIGIL_ERR_MIGRATE_TARGET\]/);

    // The phone moved with the home: its login opens a node's push page, and its subscription is the team's.
    const node = await startDaemon(team, {}, 30_000, ['--node', 'alpha']);
    daemons.push(node);
    expect((await fetch(`${node.url}/push`, { redirect: 'manual' })).status).toBe(303);
    const page = await fetch(`${node.url}/push`, { headers: { cookie: phone.cookie }, redirect: 'manual' });
    expect(page.status).toBe(200);
    expect((await db.sql('SELECT endpoint, node FROM push_subscriptions')).rows).toEqual([{ endpoint: phone.endpoint, node: 'alpha' }]);
    // The reminder owed went with it, and a node fires it, once.
    await until(async () => (await db.sql("SELECT id FROM reminders WHERE fired_by = 'alpha'")).rows.length === 1, 'the copied reminder to fire');
    const reminders = (await db.sql<{ action_id: string; note: string; fired_by: string | null }>('SELECT action_id, note, fired_by FROM reminders')).rows;
    expect(reminders).toEqual([{ action_id: expect.stringMatching(/^home-reminder:\d+$/), note: 'review #5', fired_by: 'alpha' }]);
  });
});

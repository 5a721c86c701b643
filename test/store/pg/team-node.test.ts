/**
 * Nodes of a team's vigil as real processes (issue 19): `vigil start --node NAME` with
 * `store.url` on a real PostgreSQL cluster. Deliveries are acknowledged only once
 * committed, stored once, and decided once across nodes — also when a node is killed
 * with SIGKILL while it takes deliveries; the actions the policy allowed are carried out
 * once by the nodes' workers (the fake GitHub counts the POSTs), and the tick role looks
 * at each schedule slot once across the failover (a tick event, or a quiet slot's key).
 */
import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { openPgPool, verifyPgLog } from '../../../src/store/pg/index.js';
import { killDaemons, makeHome, QUIET_SCHEDULE, removeHomes, runCli, sleep, startDaemon, writeConfig, type RunningDaemon } from '../../helpers/home.js';
import { postgresAvailability, useFreshDatabase, usePostgres } from '../../helpers/postgres.js';
import { postDelivery, webhookSecret } from '../../helpers/webhooks.js';
import { FakeGithub } from '../../github/fake-github.js';
import { dashboardToken } from '../../web/helpers.js';
import { REPO, TOKEN } from '../../github/helpers.js';
import { childrenOf, issueOpened as teamIssueOpened, waitFor } from './team-helpers.js';

const PG = postgresAvailability();

/** Every opened issue asks for a notification: one proposal per decision, allowed in `auto`. */
const RULES = [{ name: 'opened', on: 'github.issues.opened', propose: { action: 'notify', params: { title: 'opened #{{payload.issue.number}}', body: 'x' } } }];

const issueOpened = (n: number) =>
  JSON.stringify({ action: 'opened', issue: { number: n, title: `issue ${n}` }, repository: { full_name: 'acme/app' }, sender: { login: 'someone' } });

/** Where the ticks' comments go. */
const TICK_ISSUE = 5000;
/**
 * For the three nodes: an opened issue titled so gets a comment, every tick one on the
 * tick issue naming its slot; the policy allows comments. Not every issue: the count of
 * posts is checked one by one. (Octokit's spacing of writes, 3 s between comments per
 * worker, is off against the fake: cliEnv sets VIGIL_GITHUB_THROTTLE.)
 */
const NEEDS_COMMENT = 'needs a comment';
const TEAM_RULES = [
  { name: 'comment', on: 'github.issues.opened', match: { 'payload.issue.title': NEEDS_COMMENT }, propose: { action: 'github.comment', params: { repo: REPO, number: '{{payload.issue.number}}', body: 'Seen by the team.' } } },
  { name: 'tick', on: 'tick', propose: { action: 'github.comment', params: { repo: REPO, number: TICK_ISSUE, body: 'tick {{payload.slot}}' } } },
];
const PERMISSIONS = { mode: 'auto', rules: [{ action: 'github.comment', repo: 'octo/*', decision: 'allow' }] };

describe.runIf(PG.available)('team nodes on PostgreSQL: vigil start --node (real processes, real cluster)', () => {
  const cluster = usePostgres('team_node');
  const daemons: RunningDaemon[] = [];
  const db = useFreshDatabase(cluster, 'team');

  const fakes: FakeGithub[] = [];
  afterEach(async () => {
    await killDaemons(daemons);
    await Promise.all(fakes.splice(0).map((f) => f.stop()));
    removeHomes();
  });

  /** verifyPgLog on a pool of the store's own kind (bigints as numbers). */
  const verifyAll = async () => {
    const pool = openPgPool({ url: db.url, node: 'verifier', max: 1 });
    try {
      return await verifyPgLog(pool);
    } finally {
      await pool.end();
    }
  };

  const node = async (name: string, leaseSeconds = 30, config: Record<string, unknown> = { rules: RULES }, env: NodeJS.ProcessEnv = {}) => {
    const home = makeHome({ store: { url: db.url, leaseSeconds }, ...config });
    const daemon = await startDaemon(home, env, 40_000, ['--node', name]);
    daemons.push(daemon);
    return { home, daemon, secret: webhookSecret(home), name };
  };

  const count = async (sql: string, params: unknown[] = []) => Number((await db.sql<{ n: string }>(sql, params)).rows[0]!.n);

  const waitUntil = (probe: () => Promise<boolean>, what: string, timeoutMs = 20_000) => waitFor(probe, what, timeoutMs);

  it('one node: every 202 is a committed row with the exact body and its event.received line; a redelivery is a duplicate; each event decided once', async () => {
    const alpha = await node('alpha');
    const bodies = new Map<string, string>();
    const answers = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const id = crypto.randomUUID();
        const body = issueOpened(i);
        bodies.set(id, body);
        return { id, ...(await postDelivery(alpha.daemon.url, alpha.secret, body, { event: 'issues', deliveryId: id })) };
      }),
    );
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 202));
    const { rows } = await db.sql<{ delivery_id: string; body: Buffer; received_by: string; kind: string }>('SELECT delivery_id, body, received_by, kind FROM inbox');
    expect(rows).toHaveLength(60);
    for (const row of rows) {
      expect(row.body.toString('utf8')).toBe(bodies.get(row.delivery_id));
      expect(row.received_by).toBe('alpha');
      expect(row.kind).toBe('github.issues.opened');
    }
    const again = await postDelivery(alpha.daemon.url, alpha.secret, bodies.get(answers[0]!.id)!, { event: 'issues', deliveryId: answers[0]!.id });
    expect(again).toMatchObject({ status: 200, body: { status: 'duplicate', eventId: answers[0]!.body.eventId } });
    // A forged delivery is refused, stored nowhere, and counted on the node's chain (issue 20).
    const forged = await postDelivery(alpha.daemon.url, 'not-the-secret', issueOpened(99), { event: 'issues', deliveryId: crypto.randomUUID() });
    expect(forged.status).toBe(401);
    await waitUntil(async () => (await count(`SELECT count(*) AS n FROM log_entries WHERE node = 'alpha' AND type = 'webhook.rejected'`)) === 1, 'the webhook.rejected line');
    const rejected = JSON.parse((await db.sql<{ line: string }>(`SELECT line FROM log_entries WHERE type = 'webhook.rejected'`)).rows[0]!.line) as Record<string, unknown>;
    expect(rejected).toMatchObject({ reason: 'signature', via: 'direct', count: 1 });
    expect(await count('SELECT count(*) AS n FROM inbox')).toBe(60);

    await waitUntil(async () => (await count(`SELECT count(*) AS n FROM inbox WHERE state = 'decided'`)) === 60, 'every event decided');
    expect(await count('SELECT count(*) AS n FROM decisions')).toBe(60);
    // Allowed, each once: a node's worker may already have carried some out (notify runs on a node).
    expect(await count(`SELECT count(*) AS n FROM actions WHERE action = 'notify'`)).toBe(60);
    expect(await count(`SELECT count(*) AS n FROM actions WHERE state NOT IN ('approved', 'running', 'succeeded', 'failed')`)).toBe(0);
    const types = (await db.sql<{ type: string; n: string }>(`SELECT type, count(*) AS n FROM log_entries WHERE node = 'alpha' GROUP BY type`)).rows;
    const byType = Object.fromEntries(types.map((t) => [t.type, Number(t.n)]));
    expect(byType).toMatchObject({ 'daemon.started': 1, 'event.received': 60, 'decision.made': 60, 'action.allowed': 60 });

    const nodes = (await db.sql<{ name: string; heartbeat_at: string }>('SELECT name, heartbeat_at FROM nodes')).rows;
    expect(nodes.map((n) => n.name)).toEqual(['alpha']);
    // vigil status reads the team from the database: the node, alive, and the shared inbox.
    const status = runCli(alpha.home, ['status', '--json']);
    expect(status.status, status.stderr).toBe(0);
    const report = JSON.parse(status.stdout) as { store: string; node: string; nodes: { name: string; alive: boolean }[]; inbox: Record<string, number> };
    expect(report).toMatchObject({ store: 'postgres', node: 'alpha', nodes: [{ name: 'alpha', alive: true }], inbox: { decided: 60 } });
    expect(runCli(alpha.home, ['status']).stdout).toMatch(/^team on PostgreSQL: 1 node, 1 alive \(this home: alpha\)$/m);
    // GET /api/status asks the single daemon's login, and answers its report with the team's.
    expect((await fetch(`${alpha.daemon.url}/api/status`)).status).toBe(401);
    const api = await fetch(`${alpha.daemon.url}/api/status`, { headers: { authorization: `Bearer ${dashboardToken(alpha.home)}` } });
    expect(api.status).toBe(200);
    expect(await api.json()).toMatchObject({ status: 'running', pid: alpha.daemon.pid, url: alpha.daemon.url, store: 'postgres', node: 'alpha', queueDepth: 0, inbox: { decided: 60 } });
    // The Tasks page's list, as the single daemon's login asks it: the team has run no agent task.
    expect((await fetch(`${alpha.daemon.url}/api/tasks`)).status).toBe(401);
    const tasks = await fetch(`${alpha.daemon.url}/api/tasks`, { headers: { authorization: `Bearer ${dashboardToken(alpha.home)}` } });
    expect([tasks.status, await tasks.json()]).toEqual([200, { tasks: [] }]);
    // A path no vigil serves is not a gap of the team's.
    expect(await (await fetch(`${alpha.daemon.url}/no/such/route`)).json()).toMatchObject({ code: 'VIGIL_ERR_NOT_FOUND' });

    alpha.daemon.proc.kill('SIGTERM');
    expect(await alpha.daemon.exited).toEqual({ code: 0, signal: null });
    const chains = await verifyAll();
    expect(chains.length).toBeGreaterThan(0);
    expect(chains.filter((c) => !c.ok)).toEqual([]);
    expect(await count(`SELECT count(*) AS n FROM log_entries WHERE type = 'daemon.stopped'`)).toBe(1);

    // The CLI reads the team's log from the database: every node's entries, each naming its node, and every chain verified.
    const logged = runCli(alpha.home, ['log', '--json']);
    expect(logged.status, logged.stderr).toBe(0);
    const entries = logged.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; node: string });
    expect(entries.filter((e) => e.type === 'event.received')).toHaveLength(60);
    expect(new Set(entries.map((e) => e.node))).toEqual(new Set(['alpha']));
    const verified = runCli(alpha.home, ['log', 'verify']);
    expect(verified.status, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/^ok {4}alpha\/\d{4}-\d{2}-\d{2} {2}\d+ entries$/m);
    // An edited line (a superuser switching the append-only triggers off) fails verify, naming the node's chain.
    await db.sql(`SET session_replication_role = replica; UPDATE log_entries SET line = replace(line, '"github.issues.opened"', '"github.issues.closed"') WHERE seq = 3`);
    const broken = runCli(alpha.home, ['log', 'verify']);
    expect(broken.status).toBe(1);
    expect(broken.stdout).toMatch(/^FAIL {2}alpha\/\d{4}-\d{2}-\d{2} {2}line 3: /m);
    expect(broken.stderr).toContain('VIGIL_ERR_LOG_CORRUPT');
  }, 120_000);

  it('refuses what a node cannot do: --node without a store URL (exit 2), a model provider without its API key (exit 78)', () => {
    const sqliteHome = makeHome();
    const noUrl = runCli(sqliteHome, ['start', '--node', 'alpha']);
    expect(noUrl.status).toBe(2);
    expect(noUrl.stderr).toContain('store.url');
    const modelHome = makeHome({ store: { url: db.url }, model: { provider: 'anthropic' } });
    const withModel = runCli(modelHome, ['start', '--node', 'alpha']);
    expect(withModel.status).toBe(78);
    expect(withModel.stdout + withModel.stderr).toContain('ANTHROPIC_API_KEY');
  });

  it('three nodes, one killed with SIGKILL three times under load and restarted each time: every acknowledged delivery stored once and decided once, every allowed action carried out once (the fake GitHub counts), each schedule slot looked at once', async () => {
    const lease = 5;
    const fake = await new FakeGithub({ tokens: [TOKEN] }).start();
    fakes.push(fake);
    for (let n = 1; n <= 2000; n++) fake.addIssue(REPO, { number: n });
    fake.addIssue(REPO, { number: TICK_ISSUE });
    const github = { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: fake.url };
    const config = { tick: { schedule: '*/3 * * * * *' }, rules: TEAM_RULES, permissions: PERMISSIONS };
    // alpha holds the tick role (it starts first); its worker waits 300 ms between each effect and its record, where the kills land.
    const nodes = [
      await node('alpha', lease, config, { ...github, VIGIL_FAILPOINTS: 'exec.after_effect=300' }),
      await node('beta', lease, config, github),
      await node('gamma', lease, config, github),
    ];
    await waitUntil(async () => (await db.sql(`SELECT 1 FROM ticks`)).rowCount! > 0, 'the first tick');
    expect((await db.sql<{ node: string }>('SELECT DISTINCT node FROM ticks')).rows).toEqual([{ node: 'alpha' }]);
    const acknowledged = new Set<string>();
    let sent = 0;
    const post = async (target: (typeof nodes)[number]) => {
      const id = crypto.randomUUID();
      const answer = await postDelivery(target.daemon.url, target.secret, teamIssueOpened(1 + sent, sent++ % 25 === 0 ? NEEDS_COMMENT : undefined), { event: 'issues', deliveryId: id }).catch(() => undefined);
      if (answer?.status === 202) acknowledged.add(id);
    };
    // Spread over the three, twelve in flight at a time; alpha dies in the middle. (One in 25 asks for a comment: 25 and 12 share no factor, so those go to every node.)
    const load = async (rounds: number) => {
      for (let r = 0; r < rounds; r++) await Promise.all(Array.from({ length: 12 }, (_, i) => post(nodes[i % 3]!)));
    };
    await load(3);
    // The load goes on, round after round, while alpha — its daemon and its worker, a host lost — is killed three times and restarted on its home (as the service manager would).
    let loading = true;
    const background = (async () => {
      while (loading) await load(1);
    })();
    const started = Date.now();
    for (let kill = 0; kill < 3; kill++) {
      await sleep(400);
      for (const pid of childrenOf(nodes[0]!.daemon.pid)) process.kill(pid, 'SIGKILL');
      nodes[0]!.daemon.proc.kill('SIGKILL');
      await nodes[0]!.daemon.exited;
      const restarted = await startDaemon(nodes[0]!.home, { ...github, VIGIL_FAILPOINTS: 'exec.after_effect=300' }, 40_000, ['--node', 'alpha']);
      daemons.push(restarted);
      nodes[0] = { ...nodes[0]!, daemon: restarted };
    }
    await load(3);
    loading = false;
    await background;
    // Past the kills by more than a lease: slots that needed the failover are behind us.
    await sleep(Math.max(0, started + 2 * lease * 1000 - Date.now()));
    // Then the schedule goes quiet on every node (SIGHUP), so that the counts below hold still.
    for (const n of nodes) {
      writeConfig(n.home, { tick: { schedule: QUIET_SCHEDULE } });
      n.daemon.proc.kill('SIGHUP');
    }
    await waitUntil(async () => (await count(`SELECT count(DISTINCT node) AS n FROM log_entries WHERE type = 'config.reloaded'`)) === 3, 'every node to reload');
    await sleep(1000);

    expect(acknowledged.size).toBeGreaterThan(72);
    const stored = (await db.sql<{ delivery_id: string }>(`SELECT delivery_id FROM inbox WHERE source = 'github'`)).rows.map((r) => r.delivery_id);
    expect(new Set(stored).size).toBe(stored.length);
    expect([...acknowledged].filter((id) => !stored.includes(id))).toEqual([]);
    // Decided once: a lease alpha held when it died lapses (5 s) and another node decides the event.
    await waitUntil(async () => (await count(`SELECT count(*) AS n FROM inbox WHERE state <> 'decided'`)) === 0, 'every stored event decided', 30_000);
    const events = await count('SELECT count(*) AS n FROM inbox');
    expect(await count('SELECT count(*) AS n FROM decisions')).toBe(events);
    const made = (await db.sql<{ event_id: string; n: string }>(
      `SELECT line::jsonb->>'eventId' AS event_id, count(*) AS n FROM log_entries WHERE type = 'decision.made' GROUP BY 1`,
    )).rows;
    expect(made).toHaveLength(events);
    expect(made.filter((m) => m.n !== '1')).toEqual([]);

    // One key per slot: the slots are every third second from the first to the last, none missing across the failover, each tick event decided once.
    const slots = (await db.sql<{ slot: number; node: string; event_id: number | null }>('SELECT slot, node, event_id FROM ticks ORDER BY slot')).rows.map((r) => ({ slot: Number(r.slot), node: r.node, ticked: r.event_id !== null }));
    // A slot with nothing new since the last decided tick (or while one waits to be decided) has its key and no event: no decision, no comment.
    const ticked = slots.filter((s) => s.ticked);
    expect(ticked.length).toBeGreaterThanOrEqual(1);
    // How many slots depends on how long the kills took on this machine (5 in 24 s, 9 in 78 s); what must hold is none missing and none twice.
    expect(slots.length).toBeGreaterThanOrEqual(3);
    const gaps = slots.slice(1).map((s, i) => s.slot - slots[i]!.slot);
    expect(gaps.filter((g) => g !== 3000)).toEqual([]);
    expect(await count(`SELECT count(*) AS n FROM inbox WHERE source = 'tick'`)).toBe(ticked.length);
    expect(new Set(slots.map((s) => s.node)).size).toBeGreaterThan(1);

    // Every allowed action carried out once: each comment action succeeded, and GitHub got one POST per action — also for those alpha's worker had posted when it was killed.
    const proposed = await count(`SELECT count(*) AS n FROM decisions WHERE act`);
    await waitUntil(async () => (await count(`SELECT count(*) AS n FROM actions WHERE state IN ('approved', 'running')`)) === 0, 'every action carried out', 120_000).catch(async (err: unknown) => {
      const states = (await db.sql<{ state: string; claimed_by: string | null; n: string }>('SELECT state, claimed_by, count(*) AS n FROM actions GROUP BY 1, 2')).rows;
      throw new Error(`${(err as Error).message}: ${JSON.stringify(states)}; alpha said: ${nodes[0]!.daemon.output().slice(-2000)}`);
    });
    const actions = (await db.sql<{ id: string; state: string; attempts: number; result: string | null }>(`SELECT id, state, attempts, result FROM actions`)).rows;
    expect(actions).toHaveLength(proposed);
    const asking = await count(`SELECT count(*) AS n FROM inbox WHERE source = 'github' AND position($1 IN convert_from(body, 'UTF8')) > 0`, [NEEDS_COMMENT]);
    expect(asking).toBeGreaterThan(10);
    expect(proposed).toBe(ticked.length + asking);
    expect(actions.filter((a) => a.state !== 'succeeded')).toEqual([]);
    const posts = fake.calls('POST', /^\/repos\/octo\/app\/issues\/\d+\/comments$/);
    expect(posts).toHaveLength(actions.length);
    const comments = fake.allIssues(REPO).flatMap((i) => i.comments);
    expect(comments).toHaveLength(actions.length);
    const markers = comments.map((c) => /<!-- vigil:action:([^ ]+) -->$/.exec(c.body)?.[1]);
    expect(new Set(markers)).toEqual(new Set(actions.map((a) => a.id)));
    // One comment per tick event on the tick issue, each naming its slot once.
    const tickComments = fake.issue(REPO, TICK_ISSUE)!.comments.map((c) => /tick (\S+)/.exec(c.body)?.[1]);
    expect(tickComments.sort()).toEqual(ticked.map((s) => new Date(s.slot).toISOString()));
    const reused = actions.filter((a) => (JSON.parse(a.result ?? '{}') as { reused?: boolean }).reused).length;
    const retried = actions.filter((a) => a.attempts > 1).length;

    expect((await verifyAll()).filter((c) => !c.ok)).toEqual([]);
    const verified = runCli(nodes[1]!.home, ['log', 'verify']);
    expect(verified.status, verified.stderr).toBe(0);
    for (const name of ['alpha', 'beta', 'gamma']) expect(verified.stdout).toMatch(new RegExp(`^ok {4}${name}/`, 'm'));
    // vigil status names the tick's holder among the nodes.
    const status = JSON.parse(runCli(nodes[1]!.home, ['status', '--json']).stdout) as { roles: { role: string; node: string }[] };
    expect(status.roles.filter((r) => r.role === 'tick')).toHaveLength(1);
    const byNode = (await db.sql<{ decided_by: string; n: string }>('SELECT decided_by, count(*) AS n FROM decisions GROUP BY 1 ORDER BY 1')).rows;
    const ranBy = (await db.sql<{ node: string; n: string }>(`SELECT node, count(*) AS n FROM log_entries WHERE type = 'action.succeeded' GROUP BY 1 ORDER BY 1`)).rows;
    const ticksBy = [...new Set(slots.map((s) => s.node))].map((n) => `${n} ${slots.filter((s) => s.node === n).length} (${slots.filter((s) => s.node === n && s.ticked).length} ticked)`);
    console.log(
      `decisions by node: ${byNode.map((r) => `${r.decided_by} ${r.n}`).join(', ')}; actions by node: ${ranBy.map((r) => `${r.node} ${r.n}`).join(', ')}; ` +
        `acknowledged ${acknowledged.size} of ${sent}, stored ${stored.length} (${asking} asking for a comment); actions ${actions.length}, POSTs ${posts.length}, claimed again ${retried}, found done by the marker ${reused}; ticks ${slots.length} (${ticksBy.join(', ')})`,
    );
  }, 300_000);
});

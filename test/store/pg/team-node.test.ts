/**
 * Nodes of a team's vigil as real processes (issue 19): `vigil start --node NAME` with
 * `store.url` on a real PostgreSQL cluster. Deliveries are acknowledged only once
 * committed, stored once, and decided once across nodes — also when a node is killed
 * with SIGKILL while it takes deliveries.
 */
import crypto from 'node:crypto';
import type pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPgPool, verifyPgLog } from '../../../src/store/pg/index.js';
import { killDaemons, makeHome, removeHomes, runCli, sleep, startDaemon, type RunningDaemon } from '../../helpers/home.js';
import { postgresAvailability, usePostgres } from '../../helpers/postgres.js';
import { postDelivery, webhookSecret } from '../../helpers/webhooks.js';

const PG = postgresAvailability();

/** Every opened issue asks for a notification: one proposal per decision, allowed in `auto`. */
const RULES = [{ name: 'opened', on: 'github.issues.opened', propose: { action: 'notify', params: { title: 'opened #{{payload.issue.number}}', body: 'x' } } }];

const issueOpened = (n: number) =>
  JSON.stringify({ action: 'opened', issue: { number: n, title: `issue ${n}` }, repository: { full_name: 'acme/app' }, sender: { login: 'someone' } });

describe.runIf(PG.available)('team nodes on PostgreSQL: vigil start --node (real processes, real cluster)', () => {
  const cluster = usePostgres('team_node');
  const daemons: RunningDaemon[] = [];
  // The log is append-only (TRUNCATE refused): each test gets a database of its own.
  let databases = 0;
  const db = { url: '', name: '', sql: <R extends pg.QueryResultRow>(text: string, params: unknown[] = []) => cluster.cluster.admin<R>(text, params, db.name) };
  beforeEach(async () => {
    db.name = `team_${++databases}`;
    db.url = await cluster.cluster.createDatabase(db.name);
  });

  afterEach(async () => {
    await killDaemons(daemons);
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

  const node = async (name: string, leaseSeconds = 30) => {
    const home = makeHome({ store: { url: db.url, leaseSeconds }, rules: RULES });
    const daemon = await startDaemon(home, {}, 40_000, ['--node', name]);
    daemons.push(daemon);
    return { home, daemon, secret: webhookSecret(home), name };
  };

  const count = async (sql: string, params: unknown[] = []) => Number((await db.sql<{ n: string }>(sql, params)).rows[0]!.n);

  const waitUntil = async (probe: () => Promise<boolean>, what: string, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await probe())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(100);
    }
  };

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

    await waitUntil(async () => (await count(`SELECT count(*) AS n FROM inbox WHERE state = 'decided'`)) === 60, 'every event decided');
    expect(await count('SELECT count(*) AS n FROM decisions')).toBe(60);
    expect(await count(`SELECT count(*) AS n FROM actions WHERE state = 'approved' AND action = 'notify'`)).toBe(60);
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
    // The dashboard and the API are not served by a node yet: it says so.
    const api = await fetch(`${alpha.daemon.url}/api/status`);
    expect(api.status).toBe(501);
    expect(await api.json()).toMatchObject({ code: 'VIGIL_ERR_TEAM_UNSUPPORTED' });

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

  it('refuses what a node cannot do yet: --node without a store URL (exit 2), a model provider (exit 78)', () => {
    const sqliteHome = makeHome();
    const noUrl = runCli(sqliteHome, ['start', '--node', 'alpha']);
    expect(noUrl.status).toBe(2);
    expect(noUrl.stderr).toContain('store.url');
    const modelHome = makeHome({ store: { url: db.url }, model: { provider: 'anthropic' } });
    const withModel = runCli(modelHome, ['start', '--node', 'alpha'], { ANTHROPIC_API_KEY: 'sk-ant-test-not-real-0000000000' });
    expect(withModel.status).toBe(78);
    expect(withModel.stdout + withModel.stderr).toContain('rules');
  });

  it('three nodes, one killed with SIGKILL three times under load and restarted each time: every acknowledged delivery stored once and decided once', async () => {
    const lease = 5;
    const nodes = [await node('alpha', lease), await node('beta', lease), await node('gamma', lease)];
    const acknowledged = new Set<string>();
    let sent = 0;
    const post = async (target: (typeof nodes)[number]) => {
      const id = crypto.randomUUID();
      const answer = await postDelivery(target.daemon.url, target.secret, issueOpened(sent++), { event: 'issues', deliveryId: id }).catch(() => undefined);
      if (answer?.status === 202) acknowledged.add(id);
    };
    // Spread over the three, twelve in flight at a time; alpha dies in the middle.
    const load = async (rounds: number) => {
      for (let r = 0; r < rounds; r++) await Promise.all(Array.from({ length: 12 }, (_, i) => post(nodes[i % 3]!)));
    };
    await load(3);
    // The load goes on, round after round, while alpha is killed three times and restarted on its home (as the service manager would).
    let loading = true;
    const background = (async () => {
      while (loading) await load(1);
    })();
    for (let kill = 0; kill < 3; kill++) {
      await sleep(400);
      nodes[0]!.daemon.proc.kill('SIGKILL');
      await nodes[0]!.daemon.exited;
      const restarted = await startDaemon(nodes[0]!.home, {}, 40_000, ['--node', 'alpha']);
      daemons.push(restarted);
      nodes[0] = { ...nodes[0]!, daemon: restarted };
    }
    await load(3);
    loading = false;
    await background;

    expect(acknowledged.size).toBeGreaterThan(72);
    const stored = (await db.sql<{ delivery_id: string }>('SELECT delivery_id FROM inbox')).rows.map((r) => r.delivery_id);
    expect(new Set(stored).size).toBe(stored.length);
    expect([...acknowledged].filter((id) => !stored.includes(id))).toEqual([]);
    // Decided once: a lease alpha held when it died lapses (5 s) and another node decides the event.
    await waitUntil(async () => (await count(`SELECT count(*) AS n FROM inbox WHERE state <> 'decided'`)) === 0, 'every stored event decided', 30_000);
    expect(await count('SELECT count(*) AS n FROM decisions')).toBe(stored.length);
    const made = (await db.sql<{ event_id: string; n: string }>(
      `SELECT line::jsonb->>'eventId' AS event_id, count(*) AS n FROM log_entries WHERE type = 'decision.made' GROUP BY 1`,
    )).rows;
    expect(made).toHaveLength(stored.length);
    expect(made.filter((m) => m.n !== '1')).toEqual([]);
    expect((await verifyAll()).filter((c) => !c.ok)).toEqual([]);
    const verified = runCli(nodes[1]!.home, ['log', 'verify']);
    expect(verified.status, verified.stderr).toBe(0);
    for (const name of ['alpha', 'beta', 'gamma']) expect(verified.stdout).toMatch(new RegExp(`^ok {4}${name}/`, 'm'));
    const byNode = (await db.sql<{ decided_by: string; n: string }>('SELECT decided_by, count(*) AS n FROM decisions GROUP BY 1 ORDER BY 1')).rows;
    console.log(`decisions by node: ${byNode.map((r) => `${r.decided_by} ${r.n}`).join(', ')}; acknowledged ${acknowledged.size}, stored ${stored.length}`);
  }, 150_000);
});

/**
 * A team's missed-delivery sweep as real processes (issue 19): the node that holds the
 * `redelivery` role has its worker list the hook's deliveries on the fake GitHub (the real
 * Octokit) and ask once for each that the shared inbox lacks; the ids asked and the last
 * sweep live in the team's tables, so a node that takes the role over — after a graceful
 * stop, or after the holder was SIGKILLed mid-sweep — asks for none of them again. The
 * node's process never holds the token; its worker does.
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { ADVISORY_CLASS, ROLES } from '../../../src/store/pg/advisory.js';
import { openPgPool, PgStore, verifyPgLog } from '../../../src/store/pg/index.js';
import type { FakeDelivery } from '../../github/fake-github.js';
import { FakeGithub } from '../../github/fake-github.js';
import { REPO } from '../../github/helpers.js';
import { killDaemons, makeHome, removeHomes, runCli, startDaemon, type RunningDaemon } from '../../helpers/home.js';
import { postgresAvailability, useFreshDatabase, usePostgres } from '../../helpers/postgres.js';
import { canScan, environ, memoryHolds } from '../../helpers/process-memory.js';
import { childrenOf, issueOpened, waitFor } from './team-helpers.js';

const PG = postgresAvailability();
/** A token no other test uses: found in a process's memory only if it was read there. */
const TOKEN = `ghp_sweep_${Date.now().toString(16)}${process.pid}`;
const HOOK = `repos/${REPO}/hooks/31`;
const LEASE = 5;
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
const redeliveryPath = /^\/repos\/octo\/app\/hooks\/31\/deliveries\/(\d+)\/attempts$/;

describe.runIf(PG.available)('a team\'s redelivery sweep on PostgreSQL (real processes, real cluster, fake GitHub)', () => {
  const cluster = usePostgres('team_sweep');
  const daemons: RunningDaemon[] = [];
  const orphans: number[] = [];
  const fakes: FakeGithub[] = [];
  const db = useFreshDatabase(cluster, 'sweep');
  afterEach(async () => {
    await killDaemons(daemons);
    for (const pid of orphans.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await Promise.all(fakes.splice(0).map((f) => f.stop()));
    removeHomes();
  });

  const waitUntil = (probe: () => Promise<boolean>, what: string, timeoutMs = 30_000) => waitFor(probe, what, timeoutMs);

  async function fakeGithub(deliveries: FakeDelivery[]): Promise<FakeGithub> {
    const fake = await new FakeGithub({ tokens: [TOKEN] }).start();
    fakes.push(fake);
    fake.setDeliveries(HOOK, deliveries);
    return fake;
  }

  /** A node's home: the team's database, the hook, and the token in secrets.json only (never in the node's environment). */
  function nodeHome(): { home: string; webhookSecret: string } {
    const home = makeHome({ store: { url: db.url, leaseSeconds: LEASE }, github: { hookId: 31, hookRepo: REPO } });
    const file = path.join(home, 'secrets.json');
    const secrets = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(file, JSON.stringify({ ...secrets, githubToken: TOKEN }, null, 2), { mode: 0o600 });
    return { home, webhookSecret: secrets.webhookSecret as string };
  }

  /** Homes are made first: `vigil init` under load must not eat into a failpoint's window. */
  async function startNode(name: string, fake: FakeGithub, made: { home: string; webhookSecret: string }, env: NodeJS.ProcessEnv = {}): Promise<RunningDaemon & { home: string; webhookSecret: string }> {
    const { home, webhookSecret } = made;
    const node = await startDaemon(home, { GITHUB_API_URL: fake.url, ...env }, 40_000, ['--node', name]);
    daemons.push(node);
    return { ...node, home, webhookSecret };
  }

  /** Deliveries some node took before: in the shared inbox through the team store itself. */
  async function storedByTheTeam(guids: string[]): Promise<void> {
    const store = await PgStore.open({ url: db.url, node: 'earlier' });
    try {
      await store.transaction((tx) =>
        store.inbox.addDeliveries(tx, guids.map((guid, i) => ({ source: 'github', kind: 'github.issues.opened', deliveryId: guid, body: Buffer.from(issueOpened(i + 1)), receivedAt: Date.now() - 60 * 60_000 }))),
      );
    } finally {
      await store.close();
    }
  }

  const holder = async (): Promise<string | undefined> =>
    (await db.sql<{ name: string }>(
      `SELECT a.application_name AS name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 2 AND l.granted`,
      [ADVISORY_CLASS, ROLES.redelivery],
    )).rows[0]?.name;

  const lines = async (node: string, type: string) =>
    (await db.sql<{ line: string }>('SELECT line FROM log_entries WHERE node = $1 AND type = $2 ORDER BY day, seq', [node, type])).rows.map((r) => JSON.parse(r.line) as Record<string, unknown>);

  const asked = (fake: FakeGithub) => fake.calls('POST', redeliveryPath).map((r) => Number(redeliveryPath.exec(r.path)![1])).sort((a, b) => a - b);

  async function chainsVerify(): Promise<void> {
    const pool = openPgPool({ url: db.url, node: 'verifier', max: 1 });
    try {
      expect((await verifyPgLog(pool)).filter((c) => !c.ok)).toEqual([]);
    } finally {
      await pool.end();
    }
  }

  it('two nodes: the role\'s holder asks once for each delivery the shared inbox lacks; the node that takes the role over asks for none again; neither node holds the token', async () => {
    const fake = await fakeGithub([
      { id: 1, guid: 'g-stored-ok', delivered_at: minutesAgo(50), status_code: 202 },
      // GitHub gave up waiting, but a node had stored it: not asked for.
      { id: 2, guid: 'g-stored-timed-out', delivered_at: minutesAgo(45), status_code: 0 },
      { id: 3, guid: 'g-lost-502', delivered_at: minutesAgo(40), status_code: 502 },
      { id: 4, guid: 'g-lost-0', delivered_at: minutesAgo(30), status_code: 0 },
      { id: 5, guid: 'g-lost-504', delivered_at: minutesAgo(20), status_code: 504 },
      { id: 6, guid: 'g-lost-503', delivered_at: minutesAgo(10), status_code: 503 },
    ]);
    await storedByTheTeam(['g-stored-ok', 'g-stored-timed-out']);

    const homes = [nodeHome(), nodeHome()] as const;
    const alpha = await startNode('alpha', fake, homes[0]);
    await waitUntil(async () => (await holder()) === 'vigil:alpha', 'alpha to hold the redelivery role');
    const beta = await startNode('beta', fake, homes[1]);
    await waitUntil(async () => (await lines('alpha', 'github.sweep')).length === 1, 'alpha\'s sweep');

    expect(await lines('alpha', 'github.sweep')).toMatchObject([{ listed: 6, redelivered: 4 }]);
    expect(asked(fake)).toEqual([3, 4, 5, 6]);
    expect((await lines('alpha', 'github.redelivery_requested')).map((l) => l.guid).sort()).toEqual(['g-lost-0', 'g-lost-502', 'g-lost-503', 'g-lost-504']);
    // The worker asked with the token from secrets.json; the node's process never read it.
    expect(fake.calls('POST', redeliveryPath).every((r) => r.authorization === `token ${TOKEN}`)).toBe(true);
    const [worker] = childrenOf(alpha.pid);
    const remembered = (await db.sql<{ guid: string; requested_by: string }>('SELECT guid, requested_by FROM redeliveries ORDER BY guid')).rows;
    expect(remembered.map((r) => [r.guid, r.requested_by])).toEqual(['g-lost-0', 'g-lost-502', 'g-lost-503', 'g-lost-504'].map((g) => [g, `alpha:w${worker}`]));
    expect(environ(alpha.pid)).not.toContain(TOKEN);
    expect(environ(worker!)).not.toContain(TOKEN);
    if (canScan) {
      expect(memoryHolds(alpha.pid, alpha.webhookSecret)).toBe(true);
      expect(memoryHolds(alpha.pid, TOKEN)).toBe(false);
      expect(memoryHolds(worker!, TOKEN)).toBe(true);
    }

    // vigil status names the role's holder (pg_locks), and the node's heartbeat says it holds it.
    const status = JSON.parse(runCli(beta.home, ['status', '--json']).stdout) as { roles: { role: string; node: string }[] };
    expect(status.roles.filter((r) => r.role === 'redelivery')).toMatchObject([{ node: 'alpha' }]);
    await waitUntil(async () => {
      const row = (await db.sql<{ holds: { roles: string[] } }>(`SELECT holds FROM nodes WHERE name = 'alpha'`)).rows[0];
      return row?.holds.roles.includes('redelivery') ?? false;
    }, 'alpha\'s heartbeat to name the role');

    // alpha stops; beta takes the role and sweeps at once (as a daemon does at start), asking for nothing again.
    alpha.proc.kill('SIGTERM');
    expect(await alpha.exited).toEqual({ code: 0, signal: null });
    await waitUntil(async () => (await holder()) === 'vigil:beta', 'beta to take the role', LEASE * 1000);
    await waitUntil(async () => (await lines('beta', 'github.sweep')).length === 1, 'beta\'s sweep');
    expect(await lines('beta', 'github.sweep')).toMatchObject([{ listed: 6, redelivered: 0 }]);
    expect(await lines('beta', 'github.redelivery_requested')).toEqual([]);
    expect(asked(fake)).toEqual([3, 4, 5, 6]);
    expect(environ(beta.pid)).not.toContain(TOKEN);
    await chainsVerify();
  }, 180_000);

  it('the holder SIGKILLed mid-sweep: the other node takes the role within the lease and asks only for what was not asked; the orphaned worker stops at its next confirm', async () => {
    const fake = await fakeGithub([11, 12, 13, 14].map((id, i) => ({ id, guid: `g-lost-${id}`, delivered_at: minutesAgo(40 - i * 5), status_code: 502 })));
    // alpha's worker waits 20 s after each request it remembered: the kill lands there.
    const homes = [nodeHome(), nodeHome()] as const;
    const alpha = await startNode('alpha', fake, homes[0], { VIGIL_FAILPOINTS: 'redelivery.after_request=20000' });
    await waitUntil(async () => asked(fake).length === 1, 'alpha\'s first request');
    const first = asked(fake)[0]!;
    const [worker] = childrenOf(alpha.pid);
    orphans.push(worker!);
    const beta = await startNode('beta', fake, homes[1]);
    expect(asked(fake)).toEqual([first]);

    // The node dies; its worker, asleep between two requests, outlives it for a while.
    alpha.proc.kill('SIGKILL');
    await alpha.exited;
    const killedAt = Date.now();
    await waitUntil(async () => (await holder()) === 'vigil:beta', 'beta to take the role', LEASE * 1000);
    expect(Date.now() - killedAt).toBeLessThan(LEASE * 1000);
    await waitUntil(async () => (await lines('beta', 'github.sweep')).length === 1, 'beta\'s sweep');
    expect(await lines('beta', 'github.sweep')).toMatchObject([{ listed: 4, redelivered: 3 }]);
    expect(asked(fake)).toEqual([11, 12, 13, 14]);

    // The orphan wakes, asks its node (gone) whether it still holds the role, and stops.
    await waitUntil(async () => (await lines('alpha', 'github.sweep_failed')).length === 1, 'the orphaned worker to stop', 40_000);
    expect((await lines('alpha', 'github.sweep_failed'))[0]!.error).toMatch(/VIGIL_ERR_ROLE_LOST|no longer holds the redelivery role/);
    await waitUntil(async () => !fs.existsSync(`/proc/${worker}`), 'the orphaned worker to exit');
    expect(asked(fake)).toEqual([11, 12, 13, 14]);
    expect(fake.calls('POST', redeliveryPath)).toHaveLength(4);

    const rows = (await db.sql<{ guid: string; requested_by: string }>('SELECT guid, requested_by FROM redeliveries ORDER BY guid')).rows;
    const [betaWorker] = childrenOf(beta.pid);
    expect(rows.map((r) => [r.guid, r.requested_by])).toEqual(
      [11, 12, 13, 14].map((id) => [`g-lost-${id}`, id === first ? `alpha:w${worker}` : `beta:w${betaWorker}`]),
    );
    expect((await lines('alpha', 'github.redelivery_requested')).map((l) => l.deliveryId)).toEqual([first]);
    expect((await lines('beta', 'github.redelivery_requested')).map((l) => l.deliveryId).sort()).toEqual([11, 12, 13, 14].filter((id) => id !== first));
    const state = (await db.sql<{ ended: boolean; started_by: string; last_sweep_at: number | null }>('SELECT ended, started_by, last_sweep_at FROM sweep_state')).rows[0];
    expect(state).toMatchObject({ ended: true, started_by: `beta:w${betaWorker}` });
    expect(state!.last_sweep_at).not.toBeNull();
    await chainsVerify();
  }, 180_000);

  it('the holder\'s role connection terminated mid-sweep and the role taken: its live worker stops before the next request; given the role back, it continues without asking again', async () => {
    const fake = await fakeGithub([21, 22, 23, 24].map((id, i) => ({ id, guid: `g-lost-${id}`, delivered_at: minutesAgo(40 - i * 5), status_code: 502 })));
    // Only the first request waits (the window below); the three asked after the role comes back go at once.
    await startNode('alpha', fake, nodeHome(), { VIGIL_FAILPOINTS: 'redelivery.after_request=6000*1' });
    await waitUntil(async () => asked(fake).length === 1, 'alpha\'s first request');
    const first = asked(fake)[0]!;

    // Another holder in the moment alpha's role connection dies: the node lives on, its worker asleep between two requests.
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    try {
      // Queued for the lock before alpha's connection dies, so it is granted the moment alpha's is gone (before alpha tries again).
      const taking = other.query('SELECT pg_advisory_lock($1, $2)', [ADVISORY_CLASS, ROLES.redelivery]);
      await waitUntil(async () => (await db.sql(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND NOT granted`, [ROLES.redelivery])).rowCount === 1, 'the other holder to queue');
      const terminated = await db.sql<{ done: boolean }>(
        `SELECT pg_terminate_backend(l.pid) AS done FROM pg_locks l
         WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 2 AND l.granted`,
        [ADVISORY_CLASS, ROLES.redelivery],
      );
      expect(terminated.rows.map((r) => r.done)).toEqual([true]);
      await taking;
      await waitUntil(async () => (await lines('alpha', 'github.sweep_failed')).length === 1, 'alpha\'s worker to stop at its confirm');
      expect((await lines('alpha', 'github.sweep_failed'))[0]!.error).toMatch(/no longer holds the redelivery role/);
      expect(asked(fake)).toEqual([first]);
    } finally {
      // The other holder goes: alpha takes the role back and continues the sweep left under way.
      await other.end();
    }
    await waitUntil(async () => (await lines('alpha', 'github.sweep')).length === 1, 'alpha\'s sweep to go through', 60_000);
    expect(await lines('alpha', 'github.sweep')).toMatchObject([{ listed: 4, redelivered: 3 }]);
    expect(asked(fake)).toEqual([21, 22, 23, 24]);
    expect(fake.calls('POST', redeliveryPath)).toHaveLength(4);
    await chainsVerify();
  }, 180_000);
});

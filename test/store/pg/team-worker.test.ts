/**
 * A team node's execution worker as real processes (issue 19): the GitHub actions the
 * policy allowed are carried out by a node's worker against the fake GitHub (the real
 * Octokit), each claimed under a lease; a worker killed with its node after the POST and
 * before the record leaves the action to another node, whose worker finds the marker and
 * does not post again. The node never holds the token; the worker does.
 */
import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { openPgPool, verifyPgLog } from '../../../src/store/pg/index.js';
import { FakeGithub } from '../../github/fake-github.js';
import { REPO, TOKEN } from '../../github/helpers.js';
import { killDaemons, makeHome, removeHomes, startDaemon, type RunningDaemon } from '../../helpers/home.js';
import { postgresAvailability, useFreshDatabase, usePostgres } from '../../helpers/postgres.js';
import { postDelivery, webhookSecret } from '../../helpers/webhooks.js';
import { childrenOf, issueOpened, waitFor } from './team-helpers.js';

const PG = postgresAvailability();

/** An opened issue gets a comment (allowed by the policy), and a notification (to nobody: no channel is configured). */
const RULES = [
  { name: 'comment', on: 'github.issues.opened', propose: { action: 'github.comment', params: { repo: REPO, number: '{{payload.issue.number}}', body: 'Seen by the team.' } } },
  { name: 'notify', on: 'github.issues.opened', propose: { action: 'notify', params: { title: 'opened #{{payload.issue.number}}', body: 'x' } } },
];
const PERMISSIONS = { mode: 'auto', rules: [{ action: 'github.comment', repo: 'octo/*', decision: 'allow' }] };

describe.runIf(PG.available)('a team node\'s worker on PostgreSQL (real processes, real cluster, fake GitHub)', () => {
  const cluster = usePostgres('team_worker');
  const daemons: RunningDaemon[] = [];
  const fakes: FakeGithub[] = [];
  const db = useFreshDatabase(cluster, 'worker');
  afterEach(async () => {
    await killDaemons(daemons);
    await Promise.all(fakes.splice(0).map((f) => f.stop()));
    removeHomes();
  });

  const waitUntil = (probe: () => Promise<boolean>, what: string, timeoutMs = 20_000) => waitFor(probe, what, timeoutMs);

  it('an allowed github.comment is posted once by a node\'s worker; killed with its node after the POST, another node\'s worker finds the marker and posts nothing', async () => {
    const fake = await new FakeGithub({ tokens: [TOKEN] }).start();
    fakes.push(fake);
    fake.addIssue(REPO, { number: 7 });
    fake.addIssue(REPO, { number: 8 });
    const lease = 5;
    const config = { store: { url: db.url, leaseSeconds: lease }, rules: RULES, permissions: PERMISSIONS };
    const github = { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: fake.url };
    const alphaHome = makeHome(config);
    // alpha's worker waits 10 s between the POST and its record: the kill lands there.
    const alpha = await startDaemon(alphaHome, { ...github, VIGIL_FAILPOINTS: 'exec.after_effect=10000' }, 40_000, ['--node', 'alpha']);
    daemons.push(alpha);
    const posts = () => fake.calls('POST', /^\/repos\/octo\/app\/issues\/\d+\/comments$/);

    expect((await postDelivery(alpha.url, webhookSecret(alphaHome), issueOpened(7), { event: 'issues', deliveryId: crypto.randomUUID() })).status).toBe(202);
    await waitUntil(async () => posts().length === 1, 'alpha\'s worker to post');
    // The token went with the worker's requests; the node's process never read it.
    expect(posts()[0]!.authorization).toBe(`token ${TOKEN}`);
    const [running] = (await db.sql<{ id: string; claimed_by: string; state: string; attempts: number }>(
      `SELECT id, claimed_by, state, attempts FROM actions WHERE action = 'github.comment'`,
    )).rows;
    const workers = childrenOf(alpha.pid);
    expect(workers).toHaveLength(1);
    expect(running).toMatchObject({ state: 'running', claimed_by: `alpha:w${workers[0]}`, attempts: 1 });
    // The node and its worker die together (a host lost): nobody records the comment.
    process.kill(workers[0]!, 'SIGKILL');
    alpha.proc.kill('SIGKILL');
    await alpha.exited;

    const betaHome = makeHome(config);
    const beta = await startDaemon(betaHome, github, 40_000, ['--node', 'beta']);
    daemons.push(beta);
    await waitUntil(async () => (await db.sql(`SELECT 1 FROM actions WHERE id = $1 AND state = 'succeeded'`, [running!.id])).rowCount === 1, 'beta\'s worker to take the action over', 30_000);
    const [done] = (await db.sql<{ attempts: number; result: string }>('SELECT attempts, result FROM actions WHERE id = $1', [running!.id])).rows;
    const comment = fake.issue(REPO, 7)!.comments[0]!;
    expect(done!.attempts).toBe(2);
    expect(JSON.parse(done!.result)).toEqual({ url: comment.html_url, id: comment.id, reused: true });
    expect(posts()).toHaveLength(1);
    expect(fake.issue(REPO, 7)!.comments).toHaveLength(1);
    expect(comment.body.endsWith(`<!-- vigil:action:${running!.id} -->`)).toBe(true);

    // A second delivery, to beta: its own worker posts it, at once (its decisions woke it).
    expect((await postDelivery(beta.url, webhookSecret(betaHome), issueOpened(8), { event: 'issues', deliveryId: crypto.randomUUID() })).status).toBe(202);
    await waitUntil(async () => fake.issue(REPO, 8)!.comments.length === 1, 'beta\'s comment on #8');
    await waitUntil(async () => (await db.sql(`SELECT 1 FROM actions WHERE action = 'github.comment' AND state = 'succeeded'`)).rowCount === 2, 'both comments recorded');
    expect(posts()).toHaveLength(2);
    // notify runs on a node too (test/store/pg/team-local.test.ts): here it reaches nobody, and says so.
    await waitUntil(async () => (await db.sql(`SELECT 1 FROM actions WHERE action = 'notify' AND state = 'succeeded'`)).rowCount === 2, 'both notify actions recorded');
    const states = (await db.sql<{ action: string; state: string; n: string }>('SELECT action, state, count(*) AS n FROM actions GROUP BY 1, 2 ORDER BY 1, 2')).rows;
    expect(states.map((r) => [r.action, r.state, Number(r.n)])).toEqual([['github.comment', 'succeeded', 2], ['notify', 'succeeded', 2]]);

    const lines = (await db.sql<{ node: string; type: string; line: string }>(`SELECT node, type, line FROM log_entries WHERE type LIKE 'action.%' OR type LIKE 'worker.%' ORDER BY ts, node, seq`)).rows;
    const started = lines.filter((l) => l.type === 'action.started' && (JSON.parse(l.line) as { actionId: string }).actionId === running!.id);
    expect(started.map((l) => [l.node, (JSON.parse(l.line) as { attempt: number }).attempt])).toEqual([['alpha', 1], ['beta', 2]]);
    const succeeded = lines.filter((l) => l.type === 'action.succeeded');
    expect(succeeded.filter((l) => (JSON.parse(l.line) as { action: string }).action === 'github.comment').map((l) => l.node)).toEqual(['beta', 'beta']);
    expect(lines.filter((l) => l.type === 'worker.started').map((l) => l.node)).toEqual(['alpha', 'beta']);

    beta.proc.kill('SIGTERM');
    expect(await beta.exited).toEqual({ code: 0, signal: null });
    const pool = openPgPool({ url: db.url, node: 'verifier', max: 1 });
    try {
      expect((await verifyPgLog(pool)).filter((c) => !c.ok)).toEqual([]);
    } finally {
      await pool.end();
    }
    // Stopped in order: beta's worker exited with it, and said so.
    expect((await db.sql(`SELECT 1 FROM log_entries WHERE node = 'beta' AND type = 'worker.exited'`)).rowCount).toBe(1);
  }, 120_000);
});

/**
 * A team node's worker exits idle and comes back for work (issue 19), as on SQLite: an
 * idle node is one process. The worker starts for this node's own approvals (a kick), and
 * for work only the database shows (the node's probe, team-work-probe.ts): an action
 * another node approved, a dead node's action whose lease ran out, a notice another node
 * queued. Real node processes on a real cluster; the fake GitHub counts the posts.
 */
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PgStore } from '../../../src/store/pg/index.js';
import { FakeGithub } from '../../github/fake-github.js';
import { REPO, TOKEN } from '../../github/helpers.js';
import { makeHome, startDaemon } from '../../helpers/home.js';
import { postgresAvailability, useFreshDatabase, usePostgres } from '../../helpers/postgres.js';
import { postDelivery, webhookSecret } from '../../helpers/webhooks.js';
import { childrenOf, issueOpened, useTeamProcesses, waitFor } from './team-helpers.js';

const PG = postgresAvailability();

const RULES = [{ name: 'comment', on: 'github.issues.opened', propose: { action: 'github.comment', params: { repo: REPO, number: '{{payload.issue.number}}', body: 'Seen.' } } }];
const PERMISSIONS = { mode: 'auto', rules: [{ action: 'github.comment', repo: 'octo/*', decision: 'allow' }] };

describe.runIf(PG.available)('a team node\'s worker exits idle (real processes, real cluster, fake GitHub)', () => {
  const cluster = usePostgres('team_worker_idle');
  const db = useFreshDatabase(cluster, 'idle');
  const { daemons, stops } = useTeamProcesses();

  it('is started by the node\'s own approval, another node\'s, a dead node\'s lease and another node\'s notice, and exits after exec.idleExitSeconds each time', async () => {
    const fake = await new FakeGithub({ tokens: [TOKEN] }).start();
    stops.push(() => fake.stop());
    for (const number of [7, 8, 9]) fake.addIssue(REPO, { number });
    const home = makeHome({ store: { url: db.url, leaseSeconds: 5 }, exec: { idleExitSeconds: 1 }, rules: RULES, permissions: PERMISSIONS });
    const alpha = await startDaemon(home, { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: fake.url }, 40_000, ['--node', 'alpha']);
    daemons.push(alpha);
    const posts = () => fake.calls('POST', /^\/repos\/octo\/app\/issues\/\d+\/comments$/);
    const workerLines = async () =>
      (await db.sql<{ type: string; line: string }>(`SELECT type, line FROM log_entries WHERE node = 'alpha' AND type LIKE 'worker.%' ORDER BY seq`)).rows.map((r) => ({
        type: r.type,
        ...(JSON.parse(r.line) as { code?: number | null; restartInMs?: number }),
      }));
    const idleAgain = async (starts: number, what: string) => {
      await waitFor(async () => childrenOf(alpha.pid).length === 0 && (await workerLines()).filter((l) => l.type === 'worker.exited').length === starts, what, 20_000);
      const lines = await workerLines();
      expect(lines.filter((l) => l.type === 'worker.started')).toHaveLength(starts);
      // It went on its own (code 0), and is not restarted for nothing.
      expect(lines.at(-1)).toMatchObject({ type: 'worker.exited', code: 0 });
      expect(lines.at(-1)).not.toHaveProperty('restartInMs');
    };

    // Idle from the start: one process, through several of the probe's looks.
    expect(childrenOf(alpha.pid)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(childrenOf(alpha.pid)).toEqual([]);
    expect(await workerLines()).toEqual([]);

    // Its own decision allowed a comment: the worker starts, posts once, and goes again.
    expect((await postDelivery(alpha.url, webhookSecret(home), issueOpened(7), { event: 'issues', deliveryId: crypto.randomUUID() })).status).toBe(202);
    await waitFor(() => posts().length === 1, 'the comment on #7', 20_000);
    await idleAgain(1, 'the worker to exit idle after #7');

    // Another node's decisions: what its workers left, only the database shows.
    const gamma = await PgStore.open({ url: db.url, node: 'gamma', leaseSeconds: 5, max: 1 });
    try {
      await gamma.actions.insert(gamma.pool, { id: 'from-gamma', action: 'github.comment', params: { repo: REPO, number: 8, body: 'Approved on gamma.' }, rationale: '', repo: REPO, state: 'approved', verdict: 'allow', reason: '' });
      await waitFor(() => posts().length === 2, 'alpha\'s worker to post what gamma approved', 20_000);
      expect(fake.issue(REPO, 8)!.comments.map((c) => c.body.split('\n')[0])).toEqual(['Approved on gamma.']);
      await idleAgain(2, 'the worker to exit idle after gamma\'s action');

      // gamma's worker died holding an action: once its lease runs out, alpha's worker takes it over.
      await gamma.actions.insert(gamma.pool, { id: 'held-by-gamma', action: 'github.comment', params: { repo: REPO, number: 9, body: 'Left by gamma.' }, rationale: '', repo: REPO, state: 'approved', verdict: 'allow', reason: '' });
      await db.sql(`UPDATE actions SET state = 'running', claimed_by = 'gamma:w1', lease_until = $1, attempts = 1 WHERE id = 'held-by-gamma'`, [Date.now() + 3000]);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      // Still held: not alpha's work yet.
      expect(childrenOf(alpha.pid)).toEqual([]);
      await waitFor(() => posts().length === 3, 'alpha\'s worker to take over gamma\'s expired lease', 20_000);
      // The fake has the comment a moment before the worker records the outcome: wait for the row.
      await waitFor(async () => (await db.sql<{ state: string }>(`SELECT state FROM actions WHERE id = 'held-by-gamma'`)).rows[0]?.state === 'succeeded', 'the taken-over action recorded as succeeded', 20_000);
      await idleAgain(3, 'the worker to exit idle after the takeover');

      // A notice gamma queued for the owner: alpha's worker sends it (to no channel here) and finishes it.
      await gamma.transaction((tx) => gamma.notify.enqueue(tx, 'alert:from-gamma', 'alert', { title: 'From gamma', body: 'a notice' }, Date.now()));
      await waitFor(async () => (await db.sql(`SELECT 1 FROM notify_queue WHERE key = 'alert:from-gamma' AND done_at IS NOT NULL`)).rowCount === 1, 'the notice sent', 20_000);
      await idleAgain(4, 'the worker to exit idle after the notice');
    } finally {
      await gamma.close();
    }
    expect(posts()).toHaveLength(3);
    alpha.proc.kill('SIGTERM');
    expect(await alpha.exited).toEqual({ code: 0, signal: null });
  }, 120_000);
});

/**
 * Coalescing on a team (issue 19 with issue 14), as real processes on a real PostgreSQL
 * cluster with the real Anthropic SDK against the fake Messages API: one CI run's
 * deliveries, taken in by two nodes in turn, are held until the run has been quiet for
 * `github.coalesceSeconds` and decided as one event by one model call that sees them all;
 * a node killed while it holds the group leaves it whole to the other node.
 */
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeHome, sleep, startDaemon, type RunningDaemon } from '../../helpers/home.js';
import { postgresAvailability, useFreshDatabase, usePostgres } from '../../helpers/postgres.js';
import { postDelivery, webhookSecret } from '../../helpers/webhooks.js';
import { startedFakeAnthropic, useTeamProcesses, waitFor } from './team-helpers.js';

const PG = postgresAvailability();
const SHA = 'c'.repeat(40);
const repository = { full_name: 'octo/app', name: 'app', owner: { login: 'octo', type: 'User' }, private: false };
const sender = { login: 'github-actions[bot]', id: 41898282, type: 'Bot' };

/** One CI run on one head SHA: a suite, three runs and the workflow run. */
const CI_RUN: [string, unknown][] = [
  ['check_suite', { action: 'completed', check_suite: { head_sha: SHA, conclusion: 'failure' }, repository, sender }],
  ...['build', 'test', 'lint'].map((name): [string, unknown] => ['check_run', { action: 'completed', check_run: { name, head_sha: SHA, conclusion: name === 'test' ? 'failure' : 'success' }, repository, sender }]),
  ['workflow_run', { action: 'completed', workflow_run: { name: 'CI', head_sha: SHA, conclusion: 'failure' }, repository, sender }],
];

/** Which node called: each has a key of its own. */
const keyOf = (record: { headers: Record<string, string | string[] | undefined> }) =>
  String(record.headers['x-api-key'] ?? record.headers.authorization ?? '').replace(/^Bearer /, '');

describe.runIf(PG.available)('team nodes coalescing one CI run (real processes, real SDK, real cluster)', () => {
  const cluster = usePostgres('team_coalesce');
  const db = useFreshDatabase(cluster, 'team_coalesce');
  const { daemons, stops } = useTeamProcesses();

  const fakeAnthropic = () => startedFakeAnthropic(stops);
  const node = async (name: string, key: string, modelUrl: string, options: { leaseSeconds?: number; coalesceSeconds: number }) => {
    const config = { store: { url: db.url, leaseSeconds: options.leaseSeconds ?? 30 }, model: { provider: 'anthropic', timeoutSeconds: 120, retries: 0 }, github: { coalesceSeconds: options.coalesceSeconds } };
    const home = makeHome(config);
    const daemon = await startDaemon(home, { ANTHROPIC_API_KEY: key, ANTHROPIC_BASE_URL: modelUrl }, 40_000, ['--node', name]);
    daemons.push(daemon);
    return { home, daemon, secret: webhookSecret(home) };
  };
  const send = async (n: { daemon: RunningDaemon; secret: string }, [event, payload]: [string, unknown]) => {
    const deliveryId = crypto.randomUUID();
    const res = await postDelivery(n.daemon.url, n.secret, JSON.stringify(payload), { event, deliveryId });
    expect(res.status).toBe(202);
    return deliveryId;
  };
  const count = async (sql: string) => Number((await db.sql<{ n: string }>(sql)).rows[0]!.n);

  it('one CI run sent to two nodes in turn: held while it runs, then one model call whose prompt lists all five deliveries; every event decided once, in one decision', async () => {
    const model = await fakeAnthropic();
    model.respond = () => ({ decide: { act: false, summary: 'CI failed on test', proposals: [] } });
    const alpha = await node('alpha', 'key-alpha', model.url, { coalesceSeconds: 3 });
    const beta = await node('beta', 'key-beta', model.url, { coalesceSeconds: 3 });
    const deliveries: string[] = [];
    for (const [i, delivery] of CI_RUN.entries()) deliveries.push(await send(i % 2 ? beta : alpha, delivery));
    const received = (await db.sql<{ received_by: string; coalesce_key: string }>('SELECT received_by, coalesce_key FROM inbox ORDER BY id')).rows;
    expect(received.map((r) => r.received_by)).toEqual(['alpha', 'beta', 'alpha', 'beta', 'alpha']);
    expect(new Set(received.map((r) => r.coalesce_key))).toEqual(new Set([`octo/app@${SHA}`]));
    // Both nodes look every second: nothing is decided while the run is not yet quiet.
    await sleep(1000);
    expect(model.calls).toHaveLength(0);

    await waitFor(async () => (await count(`SELECT count(*) AS n FROM inbox WHERE state = 'decided'`)) === 5, 'all five decided', 30_000);
    // A moment more for a stray second call to show.
    await sleep(2000);
    expect(model.calls).toHaveLength(1);
    const prompt = JSON.stringify(model.calls[0]!.body);
    for (const id of deliveries) expect(prompt).toContain(id);
    const decisions = (await db.sql<{ event_id: number; summary: string }>('SELECT event_id::int AS event_id, summary FROM decisions')).rows;
    expect(decisions).toEqual([{ event_id: 1, summary: 'CI failed on test' }]);
    const made = (await db.sql<{ line: string }>(`SELECT line FROM log_entries WHERE type = 'decision.made'`)).rows.map((r) => JSON.parse(r.line) as { eventId: number; coalesced?: number[] });
    expect(made).toEqual([expect.objectContaining({ eventId: 1, coalesced: [2, 3, 4, 5] })]);
    expect((await db.sql<{ attempts: number }>('SELECT attempts FROM inbox')).rows.every((r) => r.attempts === 1)).toBe(true);
    expect(await count(`SELECT count(*) AS n FROM model_usage`)).toBe(1);
  }, 120_000);

  it('a node killed while it holds the group: the other node claims the whole group once the lease lapses and decides it once, with one call that sees all five', async () => {
    const model = await fakeAnthropic();
    // alpha's calls never answer; beta's do.
    model.respond = (_body, record) => (keyOf(record) === 'key-alpha' ? { hang: true } : { decide: { act: false, summary: 'CI failed on test', proposals: [] } });
    const LEASE = 5;
    const alpha = await node('alpha', 'key-alpha', model.url, { leaseSeconds: LEASE, coalesceSeconds: 1 });
    const deliveries: string[] = [];
    for (const delivery of CI_RUN) deliveries.push(await send(alpha, delivery));
    await waitFor(() => model.calls.length === 1, 'alpha calling the model', 30_000);
    expect((await db.sql<{ state: string; claimed_by: string }>('SELECT DISTINCT state, claimed_by FROM inbox')).rows).toEqual([{ state: 'claimed', claimed_by: 'alpha' }]);
    const beta = await node('beta', 'key-beta', model.url, { leaseSeconds: LEASE, coalesceSeconds: 1 });
    // Longer than the lease: alpha renews the whole group while its call runs.
    await sleep((LEASE + 1) * 1000);
    expect(model.calls).toHaveLength(1);

    alpha.daemon.proc.kill('SIGKILL');
    await waitFor(async () => (await count(`SELECT count(*) AS n FROM inbox WHERE state = 'decided'`)) === 5, 'beta deciding the group', 60_000);
    await sleep(1500);
    expect(model.calls.map(keyOf)).toEqual(['key-alpha', 'key-beta']);
    const prompt = JSON.stringify(model.calls[1]!.body);
    for (const id of deliveries) expect(prompt).toContain(id);
    expect((await db.sql<{ decided_by: string }>('SELECT decided_by FROM decisions')).rows).toEqual([{ decided_by: 'beta' }]);
    expect((await db.sql<{ attempts: number }>('SELECT DISTINCT attempts FROM inbox')).rows).toEqual([{ attempts: 2 }]);
    expect(beta.daemon.proc.exitCode).toBeNull();
  }, 120_000);
});

/**
 * Approvals on a team's vigil (issue 19), as real processes on a real cluster: an action
 * the policy puts in `ask` waits in PostgreSQL; one node's worker notifies the owner once
 * (a fake JSON webhook on 127.0.0.1 counts the messages), with the capability links of
 * SQLite; a link answered on the *other* node approves, and the fake GitHub (the real
 * Octokit) receives the effect once. The same token again, on either node, is refused;
 * `vigil deny` with store.url denies straight in the database, and nothing runs.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openPgPool, verifyPgLog } from '../../../src/store/pg/index.js';
import { FakeGithub } from '../../github/fake-github.js';
import { REPO, TOKEN } from '../../github/helpers.js';
import { BIN, cliEnv, killDaemons, makeHome, removeHomes, sleep, startDaemon, type RunningDaemon } from '../../helpers/home.js';
import { postgresAvailability, useFreshDatabase, usePostgres } from '../../helpers/postgres.js';
import { postDelivery, webhookSecret } from '../../helpers/webhooks.js';
import { fakeChat } from '../../notify/fake-chat.js';
import { issueOpened, waitFor } from './team-helpers.js';

const PG = postgresAvailability();

/** The CLI as a real process, with room for a machine shared with benchmarks. */
const runCli = (home: string, args: string[]) => spawnSync(process.execPath, [BIN, ...args], { env: cliEnv(home), encoding: 'utf8', timeout: 90_000 });

/** Every opened issue gets a comment, which the owner must approve. */
const RULES = [{ name: 'comment', on: 'github.issues.opened', propose: { action: 'github.comment', params: { repo: REPO, number: '{{payload.issue.number}}', body: 'Seen by the team.' } } }];
const PERMISSIONS = { mode: 'auto', rules: [{ action: 'github.comment', repo: 'octo/*', decision: 'ask' }] };
/** Where the owner's devices reach the team (behind a load balancer, say): the links name it, the test sends them to a node. */
const PUBLIC_URL = 'http://vigil.team.invalid';

interface JsonMessage {
  title: string;
  body: string;
  approval?: { id: string; expiresAt: string; approveUrl?: string; denyUrl?: string };
}

describe.runIf(PG.available)('approvals on a team (real processes, real cluster, fake GitHub, fake webhook channel)', () => {
  const cluster = usePostgres('team_approvals');
  const daemons: RunningDaemon[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  const db = useFreshDatabase(cluster, 'approvals');
  afterEach(async () => {
    await killDaemons(daemons);
    await Promise.all(cleanups.splice(0).map((c) => c()));
    removeHomes();
  });

  const waitUntil = (probe: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000) => waitFor(probe, what, timeoutMs);

  /** Two nodes on one database, one capability key between them (secrets.json is the same on every node of a team). */
  const team = async (notify: Record<string, unknown>, github: NodeJS.ProcessEnv) => {
    const config = { store: { url: db.url, leaseSeconds: 5 }, rules: RULES, permissions: PERMISSIONS, notify };
    const alphaHome = makeHome(config);
    const betaHome = makeHome(config);
    const secrets = (home: string) => path.join(home, 'secrets.json');
    const key = (JSON.parse(fs.readFileSync(secrets(alphaHome), 'utf8')) as { capabilityKey: string }).capabilityKey;
    const beta = JSON.parse(fs.readFileSync(secrets(betaHome), 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(secrets(betaHome), JSON.stringify({ ...beta, capabilityKey: key }), { mode: 0o600 });
    const alpha = await startDaemon(alphaHome, github, 90_000, ['--node', 'alpha']);
    daemons.push(alpha);
    const betaDaemon = await startDaemon(betaHome, github, 90_000, ['--node', 'beta']);
    daemons.push(betaDaemon);
    return { alpha: { home: alphaHome, daemon: alpha }, beta: { home: betaHome, daemon: betaDaemon } };
  };

  const lines = async (type: string) =>
    (await db.sql<{ node: string; line: string }>('SELECT node, line FROM log_entries WHERE type = $1 ORDER BY ts, node, seq', [type])).rows.map(
      (r): Record<string, unknown> & { node: string } => ({ ...(JSON.parse(r.line) as Record<string, unknown>), node: r.node }),
    );

  const verifyAll = async () => {
    const pool = openPgPool({ url: db.url, node: 'verifier', max: 1 });
    try {
      return await verifyPgLog(pool);
    } finally {
      await pool.end();
    }
  };

  it('an ask is notified once across two nodes; its link answered on the other node approves; GitHub gets the comment once; the token again is refused on either node', async () => {
    const fake = await new FakeGithub({ tokens: [TOKEN] }).start();
    cleanups.push(() => fake.stop());
    for (const n of [7, 8, 9, 10, 11, 12]) fake.addIssue(REPO, { number: n });
    const chat = await fakeChat();
    cleanups.push(() => chat.close());
    const { alpha, beta } = await team({ webhooks: [{ url: `${chat.url}/hook`, format: 'json' }], publicUrl: PUBLIC_URL }, { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: fake.url });

    // Six asks, three delivered to each node: six messages, one per approval — both workers look every second.
    for (const [i, n] of [7, 8, 9, 10, 11, 12].entries()) {
      const node = i % 2 === 0 ? alpha : beta;
      const answer = await postDelivery(node.daemon.url, webhookSecret(node.home), issueOpened(n), { event: 'issues', deliveryId: crypto.randomUUID() });
      expect(answer.status).toBe(202);
    }
    await waitUntil(() => chat.requests.length >= 6, 'six notifications');
    await sleep(2500);
    expect(chat.requests).toHaveLength(6);
    const messages = chat.requests.map((r) => r.json as unknown as JsonMessage);
    const waiting = (await db.sql<{ id: string; state: string; expires_at: string; params: string }>(`SELECT id, state, expires_at, params FROM actions ORDER BY created_at`)).rows;
    expect(waiting.map((a) => a.state)).toEqual(Array(6).fill('awaiting_approval'));
    expect(new Set(messages.map((m) => m.approval?.id))).toEqual(new Set(waiting.map((a) => a.id)));
    // The same message as on SQLite: the question, what would be written where, and the links to answer it.
    const first = messages.find((m) => m.approval!.id === waiting[0]!.id)!;
    expect(first.title).toBe('Approve github.comment?');
    expect(first.body).toBe('octo/app#7: Seen by the team.\ncomment matches github.issues.opened');
    expect(first.approval!.expiresAt).toBe(new Date(Number(waiting[0]!.expires_at)).toISOString());
    expect(first.approval!.approveUrl).toMatch(new RegExp(`^${PUBLIC_URL}/push/approvals/${waiting[0]!.id}/approve\\?token=v1\\.`));
    expect(await db.sql(`SELECT 1 FROM notify_queue WHERE done_at IS NULL`)).toMatchObject({ rowCount: 0 });
    expect(await db.sql(`SELECT 1 FROM notify_deliveries`)).toMatchObject({ rowCount: 6 });
    const sent = await lines('notify.sent');
    expect(sent).toHaveLength(6);
    expect(sent.every((s) => JSON.stringify(s.channels) === '["webhook"]')).toBe(true);
    // Nothing ran while the owner had not answered.
    expect(fake.calls('POST', /\/comments$/)).toHaveLength(0);

    // The link (as the owner's device opens it) answered on beta — whichever node notified it.
    const link = new URL(first.approval!.approveUrl!);
    const token = link.searchParams.get('token')!;
    const page = await fetch(`${beta.daemon.url}${link.pathname}${link.search}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    const html = await page.text();
    expect(html).toContain('octo/app#7: Seen by the team.');
    // Styled as on SQLite: the node serves the page's public assets.
    expect((await fetch(`${beta.daemon.url}/static/style.css`)).status).toBe(200);
    // Opening the page answered nothing.
    expect((await db.sql<{ state: string }>('SELECT state FROM actions WHERE id = $1', [waiting[0]!.id])).rows[0]!.state).toBe('awaiting_approval');
    const post = (base: string, answer = 'approve', body: unknown = { token }) =>
      fetch(`${base}/push/approvals/${waiting[0]!.id}/${answer}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const approved = await post(beta.daemon.url);
    expect(approved.status).toBe(200);
    expect(await approved.json()).toEqual({ id: waiting[0]!.id, state: 'approved' });

    await waitUntil(() => fake.issue(REPO, 7)!.comments.length === 1, 'the approved comment');
    await waitUntil(async () => (await db.sql(`SELECT 1 FROM actions WHERE id = $1 AND state = 'succeeded'`, [waiting[0]!.id])).rowCount === 1, 'its record');
    const row = (await db.sql<{ answered_by: string; answered_at: string | null }>('SELECT answered_by, answered_at FROM actions WHERE id = $1', [waiting[0]!.id])).rows[0]!;
    expect(row.answered_by).toBe('push');
    expect(row.answered_at).not.toBeNull();
    expect(await db.sql('SELECT action_id, used_by FROM capability_uses')).toMatchObject({ rows: [{ action_id: waiting[0]!.id, used_by: 'beta' }] });

    // The same token again, on either node, and as the confirmation page's form: refused, logged, and nothing runs twice.
    for (const base of [alpha.daemon.url, beta.daemon.url]) {
      const again = await post(base);
      expect(again.status).toBe(403);
      expect(await again.json()).toMatchObject({ code: 'VIGIL_ERR_CAPABILITY', message: expect.stringContaining('already used') });
    }
    const form = await fetch(`${alpha.daemon.url}/push/approvals/${waiting[0]!.id}/approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
    });
    expect(form.status).toBe(403);
    // The deny token of the same notification: genuine and unused, but the approval is closed (409), and it stays unspent.
    const denyToken = new URL(first.approval!.denyUrl!).searchParams.get('token')!;
    const late = await post(alpha.daemon.url, 'deny', { token: denyToken });
    expect(late.status).toBe(409);
    expect(await late.json()).toMatchObject({ code: 'VIGIL_ERR_APPROVAL_CLOSED' });
    // A token for another approval, or forged: refused before the database is asked.
    const forged = await post(beta.daemon.url, 'approve', { token: token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) });
    expect(forged.status).toBe(403);
    await sleep(2000);
    expect(fake.calls('POST', /\/comments$/)).toHaveLength(1);
    expect(fake.issue(REPO, 7)!.comments).toHaveLength(1);
    expect(await db.sql('SELECT 1 FROM capability_uses')).toMatchObject({ rowCount: 1 });

    const granted = await lines('approval.granted');
    expect(granted).toEqual([expect.objectContaining({ node: 'beta', actionId: waiting[0]!.id, action: 'github.comment', by: 'push' })]);
    const refused = await lines('approval.capability_refused');
    expect(refused.map((r) => [r.node, r.reason])).toEqual([
      ['alpha', 'the token was already used'],
      ['beta', 'the token was already used'],
      ['alpha', 'the token was already used'],
      ['beta', 'bad signature'],
    ]);
    expect(await lines('approval.requested')).toHaveLength(6);
    expect(await lines('action.succeeded')).toHaveLength(1);
    expect((await verifyAll()).filter((c) => !c.ok)).toEqual([]);
  }, 300_000);

  it('vigil approvals and vigil deny with store.url: the listing comes from the database, the denied action never runs, approval.denied is logged in the node\'s chain', async () => {
    const fake = await new FakeGithub({ tokens: [TOKEN] }).start();
    cleanups.push(() => fake.stop());
    fake.addIssue(REPO, { number: 21 });
    fake.addIssue(REPO, { number: 22 });
    // No channel configured: the ask is logged unreached, and the CLI is how the owner answers.
    const { alpha, beta } = await team({}, { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: fake.url });
    for (const [n, node] of [[21, alpha], [22, beta]] as const) {
      expect((await postDelivery(node.daemon.url, webhookSecret(node.home), issueOpened(n), { event: 'issues', deliveryId: crypto.randomUUID() })).status).toBe(202);
    }
    await waitUntil(async () => (await db.sql(`SELECT 1 FROM actions WHERE state = 'awaiting_approval'`)).rowCount === 2, 'two asks');
    await waitUntil(async () => (await lines('notify.unreached')).length === 2, 'both notices handled');

    const listed = runCli(beta.home, ['approvals', '--json']);
    expect(listed.status, listed.stderr).toBe(0);
    const pending = JSON.parse(listed.stdout) as { id: string; action: string; summary: string; expiresAt: string }[];
    expect(pending.map((p) => [p.action, p.summary])).toEqual([
      ['github.comment', 'octo/app#21: Seen by the team.'],
      ['github.comment', 'octo/app#22: Seen by the team.'],
    ]);

    const denied = runCli(alpha.home, ['deny', pending[0]!.id, '--reason', 'not this one']);
    expect(denied.status, denied.stderr).toBe(0);
    expect(denied.stdout.trim()).toBe(`${pending[0]!.id}: denied`);
    const approved = runCli(beta.home, ['approve', pending[1]!.id]);
    expect(approved.status, approved.stderr).toBe(0);
    expect(approved.stdout.trim()).toBe(`${pending[1]!.id}: approved`);
    // Answered once: the second answer is refused as on SQLite (exit code of VIGIL_ERR_APPROVAL_CLOSED).
    const twice = runCli(alpha.home, ['approve', pending[0]!.id]);
    expect(twice.status).not.toBe(0);
    expect(twice.stderr).toContain('VIGIL_ERR_APPROVAL_CLOSED');
    const unknown = runCli(alpha.home, ['deny', 'a_no_such_action']);
    expect(unknown.stderr).toContain('VIGIL_ERR_APPROVAL_NOT_FOUND');

    await waitUntil(() => fake.issue(REPO, 22)!.comments.length === 1, 'the approved comment on #22');
    await sleep(2500);
    expect(fake.issue(REPO, 21)!.comments).toHaveLength(0);
    expect(fake.calls('POST', /\/comments$/)).toHaveLength(1);
    const states = (await db.sql<{ id: string; state: string; answered_by: string; answer_reason: string | null }>('SELECT id, state, answered_by, answer_reason FROM actions ORDER BY created_at')).rows;
    expect(states).toEqual([
      { id: pending[0]!.id, state: 'denied', answered_by: 'cli', answer_reason: 'not this one' },
      { id: pending[1]!.id, state: 'succeeded', answered_by: 'cli', answer_reason: null },
    ]);
    // Each answer in the chain of the node of the home it was given on.
    expect(await lines('approval.denied')).toEqual([expect.objectContaining({ node: 'alpha', actionId: pending[0]!.id, by: 'cli', reason: 'not this one' })]);
    expect(await lines('approval.granted')).toEqual([expect.objectContaining({ node: 'beta', actionId: pending[1]!.id, by: 'cli' })]);
    expect(runCli(alpha.home, ['approvals']).stdout.trim()).toBe('no pending approvals');
    expect((await verifyAll()).filter((c) => !c.ok)).toEqual([]);
  }, 300_000);
});

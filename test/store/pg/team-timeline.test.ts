/**
 * A team's timeline (issue 19), as real processes on a real cluster: two nodes with one
 * secrets.json. A delivery taken by beta, approved through alpha and run by whichever
 * worker, is one thread read through alpha — records of several chains, in the order they
 * happened — and alpha's live stream carries beta's records as they are appended. Every
 * chain counts from 1: two nodes' starts are two threads, not one. The Activity page's
 * counts are the team's. The routes ask the login the single daemon asks; a stranger's
 * issue title is text, never markup.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeHome, startDaemon } from '../../helpers/home.js';
import { postgresAvailability, useFreshDatabase, usePostgres } from '../../helpers/postgres.js';
import { postDelivery, webhookSecret } from '../../helpers/webhooks.js';
import { dashboardToken } from '../../web/helpers.js';
import { useTeamProcesses, waitFor } from './team-helpers.js';

const PG = postgresAvailability();

const HOSTILE = '<img src=x onerror="window.pwned = 1"> parser crash';
const ASK = {
  rules: [{ name: 'note it', on: 'github.issues.opened', propose: { action: 'memory.note', params: { text: 'opened: {{payload.issue.title}}' }, rationale: 'worth remembering' } }],
  permissions: { mode: 'suggest', rules: [] },
};

interface ThreadJson {
  id: string;
  state: string;
  html: string;
  sentences: { text: string }[];
}

describe.runIf(PG.available)('the timeline on a team node (real processes, real cluster)', () => {
  const cluster = usePostgres('team_timeline');
  const db = useFreshDatabase(cluster, 'timeline');
  const { daemons } = useTeamProcesses();

  it('one thread across the chains, read through the other node; the live stream carries the other node\'s records; lone records per chain; the team\'s counts', { timeout: 120_000 }, async () => {
    const config = { store: { url: db.url, leaseSeconds: 5 }, ...ASK };
    const alphaHome = makeHome(config);
    const betaHome = makeHome(config);
    fs.copyFileSync(path.join(alphaHome, 'secrets.json'), path.join(betaHome, 'secrets.json'));
    const alpha = await startDaemon(alphaHome, {}, 90_000, ['--node', 'alpha']);
    daemons.push(alpha);
    const beta = await startDaemon(betaHome, {}, 90_000, ['--node', 'beta']);
    daemons.push(beta);
    const auth = { authorization: `Bearer ${dashboardToken(alphaHome)}` };

    // No login: the API says 401, the page sends the browser to /login.
    for (const route of ['/api/threads', '/api/timeline', '/api/events', '/api/charts']) {
      const res = await fetch(`${beta.url}${route}`, { headers: { authorization: 'Bearer not-the-token' } });
      expect([route, res.status]).toEqual([route, 401]);
      await res.body?.cancel();
    }
    const anonymous = await fetch(`${beta.url}/activity`, { redirect: 'manual' });
    expect([anonymous.status, anonymous.headers.get('location')]).toEqual([303, '/login']);

    // Alpha's live stream, open before anything happens.
    const streamed: string[] = [];
    const stop = new AbortController();
    const stream = await fetch(`${alpha.url}/api/events`, { headers: auth, signal: stop.signal });
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const reading = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of stream.body!) streamed.push(decoder.decode(chunk as Uint8Array, { stream: true }));
    })().catch(() => undefined);
    const streamedTypes = () =>
      streamed
        .join('')
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => (JSON.parse(line.slice(6)) as { type: string }).type);

    // A stranger's issue, taken by beta.
    const body = JSON.stringify({ action: 'opened', issue: { number: 7, title: HOSTILE }, repository: { full_name: 'octo/app' }, sender: { login: 'stranger' } });
    expect((await postDelivery(beta.url, webhookSecret(betaHome), body, { event: 'issues', deliveryId: crypto.randomUUID() })).status).toBe(202);
    const waiting = async () => (await db.sql<{ id: string; event_id: number }>(`SELECT id, event_id FROM actions WHERE state = 'awaiting_approval'`)).rows[0];
    await waitFor(async () => (await waiting()) !== undefined, 'the approval', 30_000);
    const { id, event_id: eventId } = (await waiting())!;
    // Beta's record reached alpha's stream.
    await waitFor(() => streamedTypes().includes('approval.requested'), "approval.requested on alpha's stream", 10_000);
    expect(streamedTypes()).toContain('event.received');

    // Approved through alpha (its approval.granted on alpha's chain); run by whichever node's worker.
    const answered = await fetch(`${alpha.url}/api/approvals/${id}/approve`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{}' });
    expect(answered.status).toBe(200);
    await waitFor(async () => (await db.sql(`SELECT 1 FROM actions WHERE id = $1 AND state = 'succeeded'`, [id])).rows.length === 1, 'the note written', 30_000);
    await waitFor(() => streamedTypes().includes('action.succeeded'), "action.succeeded on alpha's stream", 10_000);
    stop.abort();
    await reading;

    // The thread, read through alpha: every record of the event, whichever chain holds it, in the order they happened.
    const threads = (await (await fetch(`${alpha.url}/api/threads`, { headers: auth })).json()) as { threads: ThreadJson[] };
    const thread = threads.threads.find((t) => t.id === `e${eventId}`)!;
    expect(thread.state).toBe('done');
    const chains = (await db.sql<{ node: string; type: string }>(`SELECT node, type FROM log_entries WHERE line LIKE $1 OR line LIKE $2 ORDER BY ts, node, seq`, [`%"eventId":${eventId}%`, `%"actionId":"${id}"%`])).rows;
    expect(new Set(chains.map((r) => r.node)).size).toBeGreaterThan(1);
    const raw = [...thread.html.matchAll(/<li data-type="([a-z._]+)"/g)].map((m) => m[1]);
    expect(raw).toEqual(chains.map((r) => r.type));
    expect(raw).toEqual(expect.arrayContaining(['event.received', 'decision.made', 'approval.requested', 'approval.granted', 'action.succeeded']));
    expect(raw.indexOf('approval.granted')).toBeGreaterThan(raw.indexOf('approval.requested'));
    // The title is text on the page.
    expect(thread.html).not.toMatch(/<img\b/i);
    expect(thread.html).toContain('&lt;img src=x onerror=&quot;window.pwned = 1&quot;&gt; parser crash');

    // Each node's start is its own thread: both chains begin at seq 1.
    const ids = threads.threads.map((t) => t.id);
    expect(ids).toEqual(expect.arrayContaining(['nalpha.1', 'nbeta.1']));
    expect(new Set(ids).size).toBe(ids.length);

    // Today's records, newest first, every chain's.
    const timeline = (await (await fetch(`${alpha.url}/api/timeline`, { headers: auth })).json()) as { ts: string; type: string }[];
    expect(timeline.map((t) => t.type)).toEqual(expect.arrayContaining(['daemon.started', 'event.received', 'action.succeeded']));
    expect(timeline.map((t) => t.ts)).toEqual([...timeline.map((t) => t.ts)].sort().reverse());

    // The Activity page's figures: the one event, the one action, the one decision that acted.
    const charts = (await (await fetch(`${beta.url}/api/charts`, { headers: auth })).json()) as { events: number[]; actions: number[]; outcomes: { acted: number }; days: string[] };
    expect(charts.events.reduce((a, b) => a + b, 0)).toBe(1);
    expect(charts.actions.reduce((a, b) => a + b, 0)).toBe(1);
    expect(charts.outcomes.acted).toBe(1);
    expect(charts.days).toHaveLength(30);
  });
});

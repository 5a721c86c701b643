import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { killDaemons, logEntries, makeHome, query, removeHomes, sleep, startDaemon, waitFor, type RunningDaemon } from '../helpers/home.js';
import { postDelivery, sign, webhookSecret } from '../helpers/webhooks.js';

// Issue 12: GitHub signs the body, not the headers. A captured signed body could be sent
// again under new delivery ids and event names, and each copy was stored and decided.

const daemons: RunningDaemon[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  removeHomes();
});

function inboxRows(home: string): { delivery_id: string; kind: string }[] {
  return query<{ delivery_id: string; kind: string }>(home, `SELECT delivery_id, kind FROM inbox WHERE source = 'github' ORDER BY id`);
}

describe('a signed body replayed under new headers', () => {
  it('is recorded as event.replayed, answered 200, stored once and decided once — also across a restart', async () => {
    const home = makeHome({ rules: [{ on: 'github.issues.opened', propose: { action: 'notify', params: { title: 'seen {{payload.action}}', body: 'x' } } }] });
    const secret = webhookSecret(home);
    const daemon = await startDaemon(home);
    daemons.push(daemon);
    const body = JSON.stringify({ action: 'opened', issue: { number: 11, title: 'captured' }, repository: { full_name: 'octo/app' } });
    const signature = sign(secret, body);
    const original = crypto.randomUUID();
    const first = await postDelivery(daemon.url, secret, body, { event: 'issues', deliveryId: original });
    expect(first.status).toBe(202);

    // The attacker's copies: same bytes and signature, fresh ids, other event names.
    const copies = [
      { event: 'issues', deliveryId: crypto.randomUUID() },
      { event: 'pull_request', deliveryId: crypto.randomUUID() },
      { event: 'workflow_run', deliveryId: crypto.randomUUID() },
    ];
    const answers = await Promise.all(copies.map((c) => postDelivery(daemon.url, secret, body, { ...c, signature })));
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(a.body.status).toBe('replayed');
    }
    // GitHub's own redelivery (same id) is still the plain duplicate.
    expect((await postDelivery(daemon.url, secret, body, { event: 'issues', deliveryId: original })).status).toBe(200);

    const replayed = await waitFor(() => {
      const lines = logEntries(home).filter((e) => e.type === 'event.replayed');
      return lines.length >= copies.length ? lines : undefined;
    }, 5000, 'event.replayed lines');
    expect(replayed.map((e) => e.deliveryId).sort()).toEqual(copies.map((c) => c.deliveryId).sort());
    expect(replayed.map((e) => e.kind).sort()).toEqual(['github.issues.opened', 'github.pull_request.opened', 'github.workflow_run.opened']);
    for (const e of replayed) expect(e.replayOf).toBe(first.body.eventId);
    await waitFor(() => logEntries(home).some((e) => e.type === 'decision.made'), 10_000, 'the original decided');
    await sleep(500);
    expect(logEntries(home).filter((e) => e.type === 'decision.made')).toHaveLength(1);
    expect(inboxRows(home)).toEqual([{ delivery_id: original, kind: 'github.issues.opened' }]);

    // On SQLite the copies' bodies sit in the spool after the last row: a restart must not index them.
    daemon.proc.kill('SIGKILL');
    await daemon.exited;
    const second = await startDaemon(home);
    daemons.push(second);
    expect(inboxRows(home)).toHaveLength(1);
    const again = await postDelivery(second.url, secret, body, { event: 'issue_comment', deliveryId: crypto.randomUUID(), signature });
    expect(again.body.status).toBe('replayed');
    await sleep(300);
    expect(logEntries(home).filter((e) => e.type === 'decision.made')).toHaveLength(1);
  });

  it('two copies in flight at once: one is stored, the other replayed', async () => {
    const home = makeHome();
    const secret = webhookSecret(home);
    const daemon = await startDaemon(home);
    daemons.push(daemon);
    const body = JSON.stringify({ action: 'created', comment: { id: 99, body: 'race' } });
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => postDelivery(daemon.url, secret, body, { event: 'issue_comment', deliveryId: crypto.randomUUID() })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 202]);
    expect(inboxRows(home)).toHaveLength(1);
  });
});

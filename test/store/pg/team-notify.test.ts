/**
 * A team's notices to its owner (issue 19) in one process, two nodes' stores on a real
 * cluster: the hourly cap counted across nodes (two workers racing over ten asks send
 * three, hold seven), one digest when the window opens however many nodes look, and a
 * notice a dead worker held taken over once its lease lapsed — sent only to the channels
 * that had not had it. Allowed `notify` actions go the same way (`deliver`): counted under
 * the same cap, once per action across nodes, a secret in their text redacted.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/clock.js';
import { VigilError } from '../../../src/errors.js';
import { makeSecretMask } from '../../../src/secrets/index.js';
import { eventRecord, type EventRecord } from '../../../src/events.js';
import { TeamNotices } from '../../../src/notify/team-notices.js';
import { TeamSweepMemory } from '../../../src/exec/team-sweep.js';
import { PgStore } from '../../../src/store/pg/index.js';
import { usePgNodes } from '../../helpers/pg-nodes.js';
import { postgresAvailability, usePostgres } from '../../helpers/postgres.js';
import { RecordingChannel } from '../../notify/helpers.js';

const PG = postgresAvailability();
const T0 = Date.parse('2026-03-02T10:00:00Z');
const LEASE_SECONDS = 30;
const KEY = 'k'.repeat(64);

describe.runIf(PG.available)('a team\'s notices: queue, lease and hourly cap in PostgreSQL (two nodes, one process)', () => {
  const pg = usePostgres('team_notify');
  const node = usePgNodes(pg, { leaseSeconds: LEASE_SECONDS, truncate: ['notify_queue', 'notify_log', 'notify_deliveries', 'capability_uses', 'actions', 'nodes'], migratedAt: T0 });

  /** `n` asks, each with its notice queued in the transaction that stores it (as TeamDecisions does). */
  const ask = async (store: PgStore, clock: FakeClock, n: number) => {
    const ids = Array.from({ length: n }, (_, i) => `a${String(i).padStart(3, '0')}`);
    await store.transaction(async (tx) => {
      for (const [i, id] of ids.entries()) {
        await store.actions.insert(tx, { id, action: 'github.comment', params: { repo: 'octo/app', number: i + 1, body: `comment ${i + 1}` }, rationale: '', state: 'awaiting_approval', verdict: 'ask', reason: 'asks', expiresAt: clock.now() + 86_400_000 });
        await store.notify.enqueue(tx, `approval:${id}`, 'approval', { actionId: id }, clock.now());
      }
    });
    return ids;
  };

  const notices = (store: PgStore, clock: FakeClock, channels: RecordingChannel[], lines: EventRecord[], maxPerHour = 3, secrets: string[] = []) =>
    new TeamNotices({
      notify: store.notify,
      approval: (id) => store.transaction((tx) => store.approvals.get(tx, id)),
      suggestion: (id) => store.transaction((tx) => store.suggestions.get(tx, id)),
      finish: (notice, records) =>
        store.transaction(async (tx) => {
          lines.push(...records);
          await store.log.append(tx, records);
          return store.notify.finish(tx, notice.id);
        }),
      channels,
      policy: { maxPerHour },
      capabilityKey: KEY,
      clock,
      timeoutMs: 5000,
      leaseMs: LEASE_SECONDS * 1000,
      ...(secrets.length ? { mask: makeSecretMask(secrets) } : {}),
    });

  const drain = async (n: TeamNotices) => {
    while (await n.sendNext());
  };

  it('two nodes racing over ten asks with maxPerHour 3: three sent in all, each once, seven held; then one digest across both', async () => {
    const clock = new FakeClock(T0);
    const [alpha, beta] = [await node('alpha', clock), await node('beta', clock)];
    const ids = await ask(alpha, clock, 10);
    const channels = [new RecordingChannel('webhook'), new RecordingChannel('webhook')];
    const lines: EventRecord[] = [];
    const workers = [notices(alpha, clock, [channels[0]!], lines), notices(beta, clock, [channels[1]!], lines)];
    await Promise.all(workers.map(drain));

    const received = channels.flatMap((c) => c.received.map((r) => r.notification));
    expect(received).toHaveLength(3);
    expect(new Set(received.map((n) => n.approval!.id)).size).toBe(3);
    expect(received.every((n) => n.title === 'Approve github.comment?' && n.approval!.approveToken.startsWith(`v1.${n.approval!.id}.approve.`))).toBe(true);
    expect(lines.filter((l) => l.type === 'notify.sent')).toHaveLength(3);
    const held = lines.filter((l) => l.type === 'notify.held');
    expect(held).toHaveLength(7);
    expect(held.every((l) => l.reason === 'hourly cap')).toBe(true);
    expect(new Set([...received.map((n) => `approval:${n.approval!.id}`), ...held.map((l) => l.key)])).toEqual(new Set(ids.map((id) => `approval:${id}`)));
    const states = await pg.sql<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM notify_log GROUP BY 1 ORDER BY 1', []);
    expect(states.rows).toEqual([{ state: 'held', n: 7 }, { state: 'sent', n: 3 }]);
    expect((await pg.sql('SELECT 1 FROM notify_queue WHERE done_at IS NULL', [])).rowCount).toBe(0);

    // The window is full: no digest yet, whoever looks.
    expect(await Promise.all(workers.map((w) => w.queueDigestIfDue()))).toEqual([false, false]);
    clock.advance(3_600_000 + 1000);
    // An hour on, both look at once: one digest is queued, and sent once, listing the seven.
    const queued = await Promise.all(workers.map((w) => w.queueDigestIfDue()));
    expect(queued.filter(Boolean)).toHaveLength(1);
    await Promise.all(workers.map(drain));
    const digests = channels.flatMap((c) => c.received.map((r) => r.notification)).filter((n) => n.tag === 'vigil-digest');
    expect(digests).toHaveLength(1);
    expect(digests[0]!.title).toBe('vigil: 7 held back');
    expect(lines.filter((l) => l.type === 'notify.digest')).toEqual([expect.objectContaining({ count: 7, channels: ['webhook'] })]);
    expect((await pg.sql(`SELECT 1 FROM notify_log WHERE state = 'digested'`, [])).rowCount).toBe(7);
    expect(await Promise.all(workers.map((w) => w.queueDigestIfDue()))).toEqual([false, false]);
  });

  it('a notice its worker died holding is taken over after the lease, sent only to the channels that had not had it; an answered ask is not sent', async () => {
    const clock = new FakeClock(T0);
    const [alpha, beta] = [await node('alpha', clock), await node('beta', clock)];
    const [first, second] = await ask(alpha, clock, 2);
    // alpha's worker claimed the first notice, its webhook delivered, and it died before it recorded the rest.
    const claimed = await alpha.notify.claim();
    expect(claimed?.key).toBe(`approval:${first}`);
    await alpha.notify.markDelivered(claimed!.key, 'webhook');
    // The second was answered before anyone sent it.
    await alpha.transaction((tx) => alpha.approvals.answer(tx, second!, 'denied', 'cli', clock.now()));

    const channels = [new RecordingChannel('webhook'), new RecordingChannel('ntfy')];
    const lines: EventRecord[] = [];
    const betaWorker = notices(beta, clock, channels, lines, 20);
    // Within alpha's lease the first waits; the second is looked at and dropped, unsent.
    expect(await betaWorker.sendNext()).toBe(true);
    expect(await betaWorker.sendNext()).toBe(false);
    expect(channels.flatMap((c) => c.received)).toHaveLength(0);
    clock.advance(LEASE_SECONDS * 1000 + 1);
    await drain(betaWorker);
    expect(channels[0]!.received).toHaveLength(0);
    expect(channels[1]!.received.map((r) => r.notification.approval!.id)).toEqual([first]);
    expect(lines.filter((l) => l.type === 'notify.sent')).toEqual([expect.objectContaining({ channels: ['webhook', 'ntfy'] })]);
    const rows = await pg.sql<{ key: string; attempts: number; done: boolean }>('SELECT key, attempts, done_at IS NOT NULL AS done FROM notify_queue ORDER BY id', []);
    expect(rows.rows).toEqual([
      { key: `approval:${first}`, attempts: 2, done: true },
      { key: `approval:${second}`, attempts: 1, done: true },
    ]);
    // alpha, back from the dead, cannot finish what beta finished.
    expect(await alpha.transaction((tx) => alpha.notify.finish(tx, claimed!.id))).toBe(false);
  });

  it('allowed notify actions: under the same cap as the notices across nodes, once per action; a takeover skips the channels that had it; a secret redacted; every channel failing throws', async () => {
    const clock = new FakeClock(T0);
    const [alpha, beta] = [await node('alpha', clock), await node('beta', clock)];
    const SECRET = 'hunter2-not-a-real-token-9f8e7d';
    const lines: EventRecord[] = [];
    const channels = [new RecordingChannel('webhook'), new RecordingChannel('ntfy')];
    const workers = [notices(alpha, clock, channels, lines, 3, [SECRET]), notices(beta, clock, channels, lines, 3, [SECRET])];
    const note = (i: number) => ({ title: `build ${i} broke`, body: `token ${SECRET} leaked in the log`, urgency: 'normal' as const, tag: `action-a${i}` });
    // alpha delivered action a0 to the webhook and died before ntfy and before its record.
    await alpha.notify.admit({ key: 'action:a0', title: note(0).title, body: '', urgency: 'normal' }, () => undefined);
    await alpha.notify.markDelivered('action:a0', 'webhook');
    // beta takes a0 over; then both nodes deliver four more at once: the cap (3 an hour, a0 counted) lets two through.
    expect(await workers[1]!.deliver(note(0), 'action:a0', (l) => lines.push(l))).toEqual({ channels: ['webhook', 'ntfy'] });
    expect(channels[0]!.received).toHaveLength(0);
    const results = await Promise.all([1, 2, 3, 4].map((i) => workers[i % 2]!.deliver(note(i), `action:a${i}`, (l) => lines.push(l))));
    expect(results.filter((r) => r.held === undefined)).toHaveLength(2);
    expect(results.filter((r) => r.held === 'hourly cap' && r.channels.length === 0)).toHaveLength(2);
    expect(channels[1]!.received).toHaveLength(3);
    expect(channels[0]!.received).toHaveLength(2);
    const bodies = channels.flatMap((c) => c.received.map((r) => r.notification.body));
    expect(bodies.every((b) => b === 'token [redacted] leaked in the log')).toBe(true);
    expect(JSON.stringify(lines)).not.toContain(SECRET);
    expect((await pg.sql<{ n: number }>(`SELECT count(*)::int AS n FROM notify_log WHERE state = 'held'`, [])).rows[0]!.n).toBe(2);
    // The same action again (a retry after its record was lost): no channel hears it twice.
    expect(await workers[0]!.deliver(note(0), 'action:a0', () => {})).toEqual({ channels: ['webhook', 'ntfy'] });
    expect(channels[1]!.received).toHaveLength(3);

    // Every channel failing: the action fails (VIGIL_ERR_NOTIFY), the failures logged, as on SQLite.
    const broken = notices(alpha, clock, [new RecordingChannel('webhook', 'throw')], [], 20);
    clock.advance(3_600_000 + 1000);
    const failed: EventRecord[] = [];
    const error = await broken.deliver(note(9), 'action:a9', (l) => failed.push(l)).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(VigilError);
    expect((error as VigilError).code).toBe('VIGIL_ERR_NOTIFY');
    expect(failed.map((l) => l.type)).toEqual(['notify.failed', 'notify.unreached']);
  });

  it('a redelivery refused again: the sweep queues one alert with the setting to change, any node\'s worker sends it once through the gate; told again, nothing more', async () => {
    const clock = new FakeClock(T0);
    const [alpha, beta] = [await node('alpha', clock), await node('beta', clock)];
    const printed: string[] = [];
    const sweep = new TeamSweepMemory({ store: alpha, clock, confirmRole: async () => true, print: (line) => printed.push(line) });
    const notice = { title: 'vigil: a delivery is refused', body: 'GitHub redelivered a delivery and vigil refused it again: the secret on GitHub must be secrets.json "webhookSecret".' };
    const missed = eventRecord('event.missed', { guid: 'g-refused', deliveryId: 82, statusCode: 401, again: true }, clock.now());
    await sweep.refusedAgain('g-refused', notice, [missed]);
    await sweep.refusedAgain('g-refused', notice, []);
    expect((await pg.sql<{ key: string; kind: string }>('SELECT key, kind FROM notify_queue', [])).rows).toEqual([{ key: 'alert:missed:g-refused', kind: 'alert' }]);
    expect(printed[0]).toContain('secrets.json "webhookSecret"');

    const channel = new RecordingChannel('webhook');
    const lines: EventRecord[] = [];
    const workers = [notices(alpha, clock, [channel], lines), notices(beta, clock, [channel], lines)];
    await Promise.all(workers.map(drain));
    expect(channel.received.map((r) => [r.notification.title, r.notification.tag])).toEqual([[notice.title, 'alert:missed']]);
    expect(channel.received[0]!.notification.body).toContain('webhookSecret');
    expect(lines.filter((l) => l.type === 'notify.sent')).toHaveLength(1);
  });
});

/**
 * A team's reminders (issue 19) on a real cluster, two nodes' stores in one process with a
 * fake clock: a `remind` action's row is keyed by the action (a retry adds none); nothing
 * fires before its time; two nodes firing at once, round after round, enqueue each due
 * reminder exactly once as a tick event carrying it, with its lines; a node whose
 * connection dies in the middle of firing one (its row locked) leaves it to the other; and
 * retention prunes fired reminders past the window, never one still waiting.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/clock.js';
import { TeamReminders } from '../../../src/daemon/team-reminders.js';
import { PgStore } from '../../../src/store/pg/index.js';
import { usePgNodes } from '../../helpers/pg-nodes.js';
import { postgresAvailability, usePostgres } from '../../helpers/postgres.js';

const PG = postgresAvailability();
const T0 = Date.parse('2026-03-02T10:00:00Z');
const DAY = 86_400_000;

describe.runIf(PG.available)('a team\'s reminders in PostgreSQL (two nodes, one process)', () => {
  const pg = usePostgres('team_reminders');
  const node = usePgNodes(pg, { leaseSeconds: 30, truncate: ['reminders', 'inbox', 'nodes'], migratedAt: T0 });
  const firing = (store: PgStore, clock: FakeClock) => new TeamReminders({ store, clock, enqueued: () => {}, warn: () => {} });

  it('each due reminder fires once however many nodes fire at once; none before its time; a retried action adds no second', async () => {
    const clock = new FakeClock(T0);
    const [alpha, beta] = [await node('alpha', clock), await node('beta', clock)];
    // 40 reminders due over the next 40 s, set by both nodes; each action's second add (a retry) changes nothing.
    for (let i = 0; i < 40; i++) {
      const store = i % 2 === 0 ? alpha : beta;
      expect(await store.reminders.add(`act-${i}`, T0 + (i + 1) * 1000, `note ${i}`)).toBe(true);
      expect(await store.reminders.add(`act-${i}`, T0 + 999_999, 'again')).toBe(false);
    }
    const nodes = [firing(alpha, clock), firing(beta, clock)];
    expect(await Promise.all(nodes.map((n) => n.fireDue()))).toEqual([0, 0]);
    let fired = 0;
    for (let s = 0; s < 45; s += 5) {
      clock.advance(5000);
      const rounds = await Promise.all([...nodes, ...nodes].map((n) => n.fireDue()));
      fired += rounds.reduce((a, b) => a + b, 0);
      const done = (await pg.sql<{ n: number }>('SELECT count(*)::int AS n FROM reminders WHERE fired_at IS NOT NULL AND due_at > $1', [clock.now()])).rows[0]!.n;
      expect(done).toBe(0);
    }
    expect(fired).toBe(40);
    const events = (await pg.sql<{ id: number; source: string; kind: string; body: Buffer }>(`SELECT id, source, kind, body FROM inbox ORDER BY id`, [])).rows;
    expect(events).toHaveLength(40);
    const notes = events.map((e) => (JSON.parse(e.body.toString('utf8')) as { trigger: string; dueReminders: { note: string }[] }));
    expect(notes.every((n) => n.trigger === 'reminder' && n.dueReminders.length === 1)).toBe(true);
    expect(new Set(notes.map((n) => n.dueReminders[0]!.note))).toEqual(new Set(Array.from({ length: 40 }, (_, i) => `note ${i}`)));
    const rows = (await pg.sql<{ event_id: number; fired_by: string }>('SELECT event_id, fired_by FROM reminders ORDER BY event_id', [])).rows;
    expect(rows.map((r) => r.event_id)).toEqual(events.map((e) => e.id));
    expect(new Set(rows.map((r) => r.fired_by))).toEqual(new Set(['alpha', 'beta']));
    const lines = (await pg.sql<{ type: string; n: number }>(`SELECT type, count(*)::int AS n FROM log_entries WHERE type IN ('reminder.due', 'event.received') GROUP BY 1 ORDER BY 1`, [])).rows;
    expect(lines).toEqual([{ type: 'event.received', n: 40 }, { type: 'reminder.due', n: 40 }]);
  });

  it('a node whose connection dies while it fires a reminder leaves it to the other, which fires it once; retention prunes only fired ones', async () => {
    const clock = new FakeClock(T0);
    const [alpha, beta] = [await node('alpha', clock), await node('beta', clock)];
    await alpha.reminders.add('act-1', T0, 'the one alpha was firing');
    await alpha.reminders.add('act-2', T0 + 90 * DAY, 'far off');
    // alpha locked the reminder and enqueued its event, and its connection died before the commit.
    const client = await alpha.pool.connect();
    client.on('error', () => {});
    await client.query('BEGIN');
    const [due] = await alpha.reminders.lockDue(client, clock.now(), 16);
    await alpha.reminders.fire(client, due!, clock.now());
    // While alpha holds it, beta skips it rather than wait or fire it twice.
    expect(await firing(beta, clock).fireDue()).toBe(0);
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    await pg.sql('SELECT pg_terminate_backend($1)', [pid]);
    client.release(true);
    expect(await firing(beta, clock).fireDue()).toBe(1);
    expect(await firing(alpha, clock).fireDue()).toBe(0);
    expect((await pg.sql('SELECT 1 FROM inbox', [])).rowCount).toBe(1);
    expect((await pg.sql<{ fired_by: string }>(`SELECT fired_by FROM reminders WHERE action_id = 'act-1'`, [])).rows).toEqual([{ fired_by: 'beta' }]);

    // 30 days on with a 7-day window: the fired one goes, the one still waiting stays.
    clock.advance(30 * DAY);
    const steps = beta.retention.steps(clock.now(), 7 * DAY);
    while (!(await steps.next()).done);
    expect((await pg.sql<{ action_id: string }>('SELECT action_id FROM reminders', [])).rows).toEqual([{ action_id: 'act-2' }]);
  });
});

/**
 * Retention on a team (issue 19 with issue 18's store.retainDays) against a real cluster:
 * 120 simulated days of deliveries, decisions, actions, ticks, notices and usage, pruned
 * with retainDays 90 by the daemon's pruner (StorePruner over PgStore.retention). Only the
 * last 90 days' handled rows remain; nothing undecided, claimed, awaiting approval,
 * approved, running or still referenced is pruned; two nodes pruning at once (while
 * deliveries keep coming) lose nothing, fail nothing and remove each row once; every
 * statement deletes at most PG_PRUNE_BATCH rows and the node's loop never stalls on one.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/clock.js';
import { StorePruner } from '../../../src/daemon/pruner.js';
import type { EventRecord } from '../../../src/events.js';
import { migratePg, openPgPool, PG_MIGRATIONS, PG_PRUNE_BATCH, PgStore, type PgPruneReport } from '../../../src/store/pg/index.js';
import type pg from 'pg';
import { postgresAvailability, useFreshDatabase, usePostgres } from '../../helpers/postgres.js';

const PG = postgresAvailability();
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const NOW = T0 + 120 * DAY;
const CUTOFF = NOW - 90 * DAY;
const PER_DAY = 200;
const LEASE_SECONDS = 30;
/** Days 0–29 are older than the window: their handled rows go (and one tick a day). */
const OLD_DAYS = 30;

/** 120 days of ordinary traffic, every row of it handled and finished. */
async function seedDays(db: pg.Pool): Promise<void> {
  await db.query(
    `INSERT INTO inbox (source, kind, delivery_id, body, body_digest, received_at, received_by, state, decided_at)
     SELECT 'github', 'github.issues.opened', 'd' || d || '-' || i, convert_to(repeat('x', 300) || d || '-' || i, 'UTF8'),
            substr(md5(d || '-' || i), 1, 16), $1::bigint + d * $2::bigint + i * 1000, 'a',
            CASE WHEN i % 3 = 0 THEN 'filtered' ELSE 'decided' END,
            CASE WHEN i % 3 = 0 THEN NULL ELSE $1::bigint + d * $2::bigint + i * 1000 + 60000 END
     FROM generate_series(0, 119) d, generate_series(0, ${PER_DAY - 1}) i ORDER BY d, i`,
    [T0, DAY],
  );
  await db.query(`INSERT INTO decisions (event_id, act, summary, model, decided_by, decided_at)
                SELECT id, id % 10 = 1, 'seen', 'rules', 'a', decided_at FROM inbox WHERE state = 'decided' ORDER BY id`);
  await db.query(`INSERT INTO actions (id, event_id, decision_id, action, params, state, verdict, created_at, updated_at)
                SELECT 'act-' || event_id, event_id, id, 'github.comment', '{}', CASE WHEN id % 4 = 1 THEN 'succeeded' ELSE 'denied' END,
                       'allow', decided_at, decided_at FROM decisions WHERE act`);
  // Tokens spent on answers: they point at their action, and go with it.
  await db.query(`INSERT INTO capability_uses (nonce, action_id, used_at, used_by) SELECT 'n-' || id, id, updated_at, 'a' FROM actions WHERE state = 'succeeded'`);
  await db.query(
    `INSERT INTO inbox (source, kind, body, received_at, received_by, state, decided_at)
     SELECT 'tick', 'tick', '\\x7b7d', $1::bigint + d * $2::bigint + 3600000, 'a', 'decided', $1::bigint + d * $2::bigint + 3601000
     FROM generate_series(0, 119) d ORDER BY d`,
    [T0, DAY],
  );
  await db.query(`INSERT INTO ticks (slot, event_id, node, enqueued_at) SELECT received_at, id, 'a', received_at FROM inbox WHERE source = 'tick'`);
  const daily = [
    `INSERT INTO notify_queue (key, kind, payload, created_at, done_at)
     SELECT 'approval:sent-' || d, 'approval', '{}', $1::bigint + d * $2::bigint, $1::bigint + d * $2::bigint + 2000 FROM generate_series(0, 119) d`,
    `INSERT INTO notify_log (key, title, body, urgency, state, created_at, node)
     SELECT 'approval:sent-' || d, 't', 'b', 'normal', CASE WHEN d % 2 = 0 THEN 'sent' ELSE 'digested' END, $1::bigint + d * $2::bigint, 'a'
     FROM generate_series(0, 119) d`,
    `INSERT INTO notify_deliveries (key, channel, at, node)
     SELECT 'approval:sent-' || d, c, $1::bigint + d * $2::bigint + 1000, 'a' FROM generate_series(0, 119) d, unnest(ARRAY['ntfy', 'webpush']) c`,
    `INSERT INTO model_usage (at, day, node, provider, model, purpose, event_id, input_tokens, output_tokens,
                             cache_creation_tokens, cache_read_tokens, duration_ms)
     SELECT $1::bigint + d * $2::bigint + k * 60000, to_char(to_timestamp(($1::bigint + d * $2::bigint) / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD'), 'a',
            'anthropic', 'claude', 'decision', NULL, 100, 10, 0, 0, 900
     FROM generate_series(0, 119) d, generate_series(0, 9) k`,
    `INSERT INTO redeliveries (guid, delivery_id, requested_at, requested_by)
     SELECT 'guid-' || d, d, $1::bigint + d * $2::bigint, 'a:w1' FROM generate_series(0, 119) d`,
  ];
  for (const sql of daily) await db.query(sql, [T0, DAY]);
  // Login sessions: one a day, each good for 30 days — those of the last 30 days are still good at day 120.
  await db.query(
    `INSERT INTO web_sessions (id_hash, csrf, created_at, expires_at)
     SELECT encode(sha256(convert_to('s' || d, 'UTF8')), 'hex'), 'c', $1::bigint + d * $2::bigint, $1::bigint + (d + 30) * $2::bigint
     FROM generate_series(0, 119) d`,
    [T0, DAY],
  );
}

/** Old rows that must outlive every prune, each for its own reason; their ids. */
interface Keepers {
  events: number[];
  actions: string[];
  notices: string[];
}

async function seedKeepers(db: pg.Pool): Promise<Keepers> {
  const at = (day: number) => T0 + day * DAY + 12 * 3_600_000;
  const event = async (day: number, state: string, extra = '', values: unknown[] = []) => {
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO inbox (source, kind, delivery_id, body, received_at, received_by, state, claimed_by, lease_until, decided_at)
       VALUES ('github', 'github.issues.opened', $1, '\\x7b7d', $2, 'a', $3, $4, $5, $6) RETURNING id${extra}`,
      [`keep-${day}-${state}`, at(day), state, ...values],
    );
    return rows[0]!.id;
  };
  const decided = async (day: number) => {
    const id = await event(day, 'decided', '', [null, null, at(day) + 1000]);
    const { rows } = await db.query<{ id: number }>(`INSERT INTO decisions (event_id, act, summary, model, decided_by, decided_at) VALUES ($1, true, 'act', 'rules', 'a', $2) RETURNING id`, [id, at(day) + 1000]);
    return { id, decision: rows[0]!.id };
  };
  const action = async (day: number, state: string, fields: { claimedBy?: string; leaseUntil?: number; updatedAt?: number; expiresAt?: number } = {}) => {
    const { id, decision } = await decided(day);
    const actionId = `keep-${day}-${state}`;
    await db.query(
      `INSERT INTO actions (id, event_id, decision_id, action, params, state, verdict, created_at, updated_at, claimed_by, lease_until, expires_at)
       VALUES ($1, $2, $3, 'github.comment', '{}', $4, 'ask', $5, $6, $7, $8, $9)`,
      [actionId, id, decision, state, at(day), fields.updatedAt ?? at(day), fields.claimedBy ?? null, fields.leaseUntil ?? null, fields.expiresAt ?? null],
    );
    return { event: id, action: actionId };
  };
  const keep: Keepers = { events: [], actions: [], notices: [] };
  const add = (k: { event: number; action: string }) => {
    keep.events.push(k.event);
    keep.actions.push(k.action);
  };
  keep.events.push(await event(2, 'pending', '', [null, null, null]));
  keep.events.push(await event(3, 'claimed', '', ['b', NOW + LEASE_SECONDS * 1000, null]));
  // A lease that ran out: the event waits for another node, it was never decided.
  keep.events.push(await event(4, 'claimed', '', ['b', at(4) + LEASE_SECONDS * 1000, null]));
  const asked = await action(5, 'awaiting_approval', { expiresAt: NOW + DAY });
  add(asked);
  add(await action(6, 'approved'));
  add(await action(7, 'running', { claimedBy: 'b:w1', leaseUntil: NOW + LEASE_SECONDS * 1000 }));
  add(await action(8, 'running', { claimedBy: 'b:w1', leaseUntil: at(8) + LEASE_SECONDS * 1000 }));
  // Finished, but only yesterday: the action is young, and its old event stays while it points at it.
  add(await action(9, 'failed', { updatedAt: NOW - DAY }));
  // Expired long ago, but its approval notice still waits to be sent (a worker will read it).
  const expired = await action(10, 'expired');
  add(expired);
  // The notices still waiting keep their lines and the channels that already had them.
  for (const actionId of [asked.action, expired.action]) {
    const key = `approval:${actionId}`;
    keep.notices.push(key);
    await db.query(`INSERT INTO notify_queue (key, kind, payload, created_at) VALUES ($1, 'approval', $2, $3)`, [key, JSON.stringify({ actionId }), at(5)]);
    await db.query(`INSERT INTO notify_log (key, title, body, urgency, state, created_at, node) VALUES ($1, 't', 'b', 'high', 'sending', $2, 'a')`, [key, at(5)]);
    await db.query(`INSERT INTO notify_deliveries (key, channel, at, node) VALUES ($1, 'ntfy', $2, 'a')`, [key, at(5)]);
  }
  // Held: a digest will list it.
  keep.notices.push('held-1');
  await db.query(`INSERT INTO notify_log (key, title, body, urgency, state, reason, created_at, node) VALUES ('held-1', 't', 'b', 'low', 'held', 'cap', $1, 'a')`, [at(1)]);
  // An action with no event (a home's, copied by vigil migrate): old and finished, it goes.
  await db.query(`INSERT INTO actions (id, action, params, state, verdict, created_at, updated_at) VALUES ('orphan', 'github.label', '{}', 'denied', 'deny', $1, $1)`, [at(11)]);
  return keep;
}

const count = async (db: pg.Pool, sql: string, params: unknown[] = []) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${sql}) q`, params)).rows[0]!.n;

/** What the tables hold before any prune, to compare with after. */
async function snapshot(db: pg.Pool) {
  return {
    youngInbox: await count(db, 'SELECT 1 FROM inbox WHERE received_at >= $1', [CUTOFF]),
    youngActions: await count(db, 'SELECT 1 FROM actions WHERE updated_at >= $1', [CUTOFF]),
    youngTokens: await count(db, 'SELECT 1 FROM capability_uses c JOIN actions a ON a.id = c.action_id WHERE a.updated_at >= $1', [CUTOFF]),
    oldActions: await count(db, 'SELECT 1 FROM actions WHERE updated_at < $1', [CUTOFF]),
    logLines: await count(db, 'SELECT 1 FROM log_entries'),
  };
}

/** Everything the window keeps is there, and nothing older but the keepers. */
async function expectPruned(db: pg.Pool, keep: Keepers, before: Awaited<ReturnType<typeof snapshot>>): Promise<void> {
  const oldEvents = (await db.query<{ id: number }>('SELECT id FROM inbox WHERE received_at < $1 ORDER BY id', [CUTOFF])).rows.map((r) => r.id);
  expect(oldEvents).toEqual([...keep.events].sort((x, y) => x - y));
  expect(await count(db, 'SELECT 1 FROM inbox WHERE received_at >= $1', [CUTOFF])).toBe(before.youngInbox);
  // Every kept event that was decided kept its decision; no decision lost its event (the foreign key).
  expect(await count(db, `SELECT 1 FROM inbox i WHERE i.state = 'decided' AND i.source <> 'tick' AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.event_id = i.id)`)).toBe(0);
  const oldActions = (await db.query<{ id: string }>('SELECT id FROM actions WHERE updated_at < $1 ORDER BY id', [CUTOFF])).rows.map((r) => r.id);
  expect(oldActions).toEqual(keep.actions.filter((id) => id !== 'keep-9-failed').sort());
  expect(await count(db, 'SELECT 1 FROM actions WHERE id = ANY($1::text[])', [keep.actions])).toBe(keep.actions.length);
  expect(await count(db, 'SELECT 1 FROM actions WHERE updated_at >= $1', [CUTOFF])).toBe(before.youngActions);
  expect(await count(db, 'SELECT 1 FROM capability_uses')).toBe(before.youngTokens);
  // One tick key per young day; the newest slot, which the scheduler resumes from, is there.
  expect(await count(db, 'SELECT 1 FROM ticks')).toBe(120 - OLD_DAYS);
  expect((await db.query<{ slot: number }>('SELECT max(slot) AS slot FROM ticks')).rows[0]!.slot).toBe(T0 + 119 * DAY + 3_600_000);
  const oldNotices = (await db.query<{ key: string }>('SELECT key FROM notify_log WHERE created_at < $1 ORDER BY key', [CUTOFF])).rows.map((r) => r.key);
  expect(oldNotices).toEqual([...keep.notices].sort());
  expect(await count(db, 'SELECT 1 FROM notify_queue WHERE created_at < $1', [CUTOFF])).toBe(2);
  expect(await count(db, 'SELECT 1 FROM notify_deliveries WHERE at < $1', [CUTOFF])).toBe(2);
  expect(await count(db, 'SELECT 1 FROM notify_log WHERE created_at >= $1', [CUTOFF])).toBe(120 - OLD_DAYS);
  expect(await count(db, 'SELECT 1 FROM notify_deliveries WHERE at >= $1', [CUTOFF])).toBe(2 * (120 - OLD_DAYS));
  expect(await count(db, 'SELECT 1 FROM model_usage WHERE at < $1', [CUTOFF])).toBe(0);
  expect(await count(db, 'SELECT 1 FROM model_usage')).toBe(10 * (120 - OLD_DAYS));
  expect(await count(db, 'SELECT 1 FROM redeliveries')).toBe(120 - OLD_DAYS);
  expect(await count(db, 'SELECT 1 FROM web_sessions WHERE expires_at <= $1', [NOW])).toBe(0);
  expect(await count(db, 'SELECT 1 FROM web_sessions')).toBe(29);
}

/** What the pruned tables lost in all: handled events, finished actions, notice rows, bookkeeping. */
const EXPECTED = (before: Awaited<ReturnType<typeof snapshot>>, keep: Keepers) => ({
  inboxRows: OLD_DAYS * (PER_DAY + 1),
  actions: before.oldActions - (keep.actions.length - 1),
  notifyRows: OLD_DAYS * 4,
  // Usage (10 a day) and redelivery requests (1) of the old days; the 91 sessions that ended by day 120.
  bookkeepingRows: OLD_DAYS * 11 + 91,
});

/** An idle loop over `ms`: what the machine's own load delays it by. */
async function idleLoop(ms: number): Promise<number> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  const until = performance.now() + ms;
  while (performance.now() < until) await new Promise((resolve) => setImmediate(resolve));
  histogram.disable();
  return histogram.max / 1e6;
}

describe.runIf(PG.available)('retention on a team: store.retainDays over the shared tables (real PostgreSQL)', () => {
  const cluster = usePostgres('team_retention');
  const fresh = useFreshDatabase(cluster, 'retention');

  const open = (node: string, clock: FakeClock) => PgStore.open({ url: fresh.url, node, clock, leaseSeconds: LEASE_SECONDS });

  /** The daemon's pruner on a node, its store.pruned lines appended to the node's chain. */
  const pruner = (store: PgStore, clock: FakeClock, lines: Promise<void>[], seen: EventRecord[]) =>
    new StorePruner<PgPruneReport>({
      store,
      clock,
      retainDays: () => 90,
      record: (record) => {
        seen.push(record);
        lines.push(store.transaction((tx) => store.log.append(tx, [record])).then(() => undefined));
      },
      trouble: { failed: (_task, err) => { throw err; }, succeeded: () => undefined },
    });

  it('after 120 days with retainDays 90: only the last 90 days of handled rows, nothing undecided, leased, awaiting or referenced, in batches', async () => {
    const clock = new FakeClock(T0 + 110 * DAY);
    const a = await open('a', clock);
    const db = a.pool;
    try {
      await seedDays(db);
      const keep = await seedKeepers(db);
      const before = await snapshot(db);
      const seen: EventRecord[] = [];
      const lines: Promise<void>[] = [];
      const node = pruner(a, clock, lines, seen);

      // A first pass ten days early (days 0–19 are out of the window then), then the one at day 120.
      const first = await node.run();
      expect(first?.inboxRows).toBe(20 * (PER_DAY + 1));
      clock.set(NOW);
      // The second pass driven step by step: each step one statement, which says how many rows it deleted.
      const batches: number[] = [];
      let longestStepMs = 0;
      const pass = a.retention.steps(NOW, 90 * DAY);
      let report: PgPruneReport;
      for (;;) {
        const started = performance.now();
        const step = await pass.next();
        longestStepMs = Math.max(longestStepMs, performance.now() - started);
        if (step.done) {
          report = step.value;
          break;
        }
        batches.push(step.value);
      }
      expect(report.inboxRows).toBe(10 * (PER_DAY + 1));
      // 10 days × 201 events: four full batches and the rest, never more in one statement.
      expect(Math.max(...batches)).toBe(PG_PRUNE_BATCH);
      expect(batches.filter((n) => n === PG_PRUNE_BATCH)).toHaveLength(Math.floor(report.inboxRows / PG_PRUNE_BATCH));
      expect(batches.reduce((x, y) => x + y, 0)).toBe(report.inboxRows + report.actions + report.notifyRows + report.bookkeepingRows);
      const total = EXPECTED(before, keep);
      expect({ inboxRows: first!.inboxRows + report.inboxRows, actions: first!.actions + report.actions, notifyRows: first!.notifyRows + report.notifyRows, bookkeepingRows: first!.bookkeepingRows + report.bookkeepingRows }).toEqual(total);
      await expectPruned(db, keep, before);

      // A third pass finds nothing, and says nothing.
      expect(await node.run()).toEqual({ inboxRows: 0, segments: 0, spoolBytes: 0, actions: 0, notifyRows: 0, bookkeepingRows: 0 });
      await Promise.all(lines);
      expect(seen.map((r) => r.type)).toEqual(['store.pruned']);
      // The log is never pruned: it only gained the pass's line, on the pruning node's chain.
      expect(await count(db, 'SELECT 1 FROM log_entries')).toBe(before.logLines + 1);
      const line = (await db.query<{ node: string; line: string }>(`SELECT node, line FROM log_entries WHERE type = 'store.pruned'`)).rows;
      expect(line.map((l) => l.node)).toEqual(['a']);
      expect(JSON.parse(line[0]!.line)).toMatchObject({ type: 'store.pruned', inboxRows: 20 * (PER_DAY + 1), segments: 0, spoolBytes: 0, retainDays: 90 });
      console.log(`team retention: ${batches.length} statements in the second pass, the longest ${longestStepMs.toFixed(1)} ms`);
    } finally {
      await a.close();
    }
  }, 120_000);

  it("a node silent for the whole window leaves `nodes`; one seen within it stays, and so does the departed node's chain", async () => {
    const clock = new FakeClock(NOW);
    const a = await open('a', clock);
    const db = a.pool;
    try {
      await db.query(
        `INSERT INTO nodes (name, started_at, heartbeat_at) VALUES ('left-in-spring', $1, $2), ('on-holiday', $1, $3), ('a', $1, $4)
         ON CONFLICT (name) DO UPDATE SET started_at = EXCLUDED.started_at, heartbeat_at = EXCLUDED.heartbeat_at`,
        [
          T0,
          T0 + 5 * DAY,
          NOW - 60 * DAY,
          NOW,
        ],
      );
      const record = { type: 'worker.started', ts: T0 + 5 * DAY, pid: 1, node: 'left-in-spring' } as unknown as EventRecord;
      const departed = await PgStore.open({ url: fresh.url, node: 'left-in-spring', clock: new FakeClock(T0 + 5 * DAY), leaseSeconds: LEASE_SECONDS });
      await departed.transaction((tx) => departed.log.append(tx, [record]));
      await departed.close();
      const report = await pruner(a, clock, [], []).run();
      expect(report?.bookkeepingRows).toBe(1);
      expect((await db.query<{ name: string }>('SELECT name FROM nodes ORDER BY name')).rows.map((r) => r.name)).toEqual(['a', 'on-holiday']);
      expect(await count(db, `SELECT 1 FROM log_entries WHERE node = 'left-in-spring'`)).toBe(1);
    } finally {
      await a.close();
    }
  });

  it('a migration numbered below one already applied (slices landing out of order): the next start applies it and keeps pg-010', async () => {
    const pool = openPgPool({ url: fresh.url, node: 'upgrade' });
    try {
      await migratePg(pool, PG_MIGRATIONS.filter((m) => m.id !== 'pg-009-later'));
      const later = { id: 'pg-009-later', sql: 'CREATE TABLE later_slice (x int)' };
      const at010 = PG_MIGRATIONS.findIndex((m) => m.id === 'pg-010-retention');
      await migratePg(pool, [...PG_MIGRATIONS.slice(0, at010), later, ...PG_MIGRATIONS.slice(at010)]);
      const { rows } = await pool.query<{ id: string }>(`SELECT id FROM _migrations WHERE id IN ('pg-009-later', 'pg-010-retention') ORDER BY id`);
      expect(rows.map((r) => r.id)).toEqual(['pg-009-later', 'pg-010-retention']);
      expect((await pool.query(`SELECT 1 FROM pg_tables WHERE tablename = 'later_slice'`)).rowCount).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it('two nodes pruning at once while deliveries arrive: each row removed once, nothing lost, neither fails, the loop never stalls', async () => {
    const clock = new FakeClock(NOW);
    const [a, b] = await Promise.all([open('a', clock), open('b', clock)]);
    const db = a!.pool;
    try {
      await seedDays(db);
      const keep = await seedKeepers(db);
      const before = await snapshot(db);
      const seen: EventRecord[] = [];
      const lines: Promise<void>[] = [];

      // Deliveries keep arriving at node b while both prune: each is stored, none waits on a prune.
      let arriving = true;
      let stored = 0;
      const arrivals = (async () => {
        while (arriving) {
          await b!.transaction((tx) => b!.inbox.addDeliveries(tx, [{ source: 'github', kind: 'github.push', deliveryId: `live-${stored}`, body: Buffer.from('{}'), receivedAt: NOW }]));
          stored++;
        }
      })();
      const delay = monitorEventLoopDelay({ resolution: 5 });
      const started = performance.now();
      delay.enable();
      const [ra, rb] = await Promise.all([pruner(a!, clock, lines, seen).run(), pruner(b!, clock, lines, seen).run()]);
      delay.disable();
      const spanMs = performance.now() - started;
      arriving = false;
      await arrivals;
      const stallMs = delay.max / 1e6;
      const controlMs = await idleLoop(5 * spanMs);

      const total = EXPECTED(before, keep);
      const sum = (k: keyof typeof total) => ra![k] + rb![k];
      expect({ inboxRows: sum('inboxRows'), actions: sum('actions'), notifyRows: sum('notifyRows'), bookkeepingRows: sum('bookkeepingRows') }).toEqual(total);
      await expectPruned(db, keep, { ...before, youngInbox: before.youngInbox + stored });
      expect(stored).toBeGreaterThan(0);
      expect(await count(db, `SELECT 1 FROM inbox WHERE delivery_id LIKE 'live-%'`)).toBe(stored);
      await Promise.all(lines);
      // Each node that removed something said so on its own chain.
      const chains = (await db.query<{ node: string }>(`SELECT node FROM log_entries WHERE type = 'store.pruned' ORDER BY node`)).rows.map((r) => r.node);
      expect(chains).toEqual([ra, rb].flatMap((r, i) => (Object.values(r!).some((n) => n > 0) ? [i === 0 ? 'a' : 'b'] : [])));
      console.log(`team retention, two nodes: a removed ${ra!.inboxRows} events, b ${rb!.inboxRows}; ${stored} deliveries stored meanwhile; longest loop delay ${stallMs.toFixed(1)} ms, ${controlMs.toFixed(1)} ms idle`);
      expect(stallMs).toBeLessThan(50 + controlMs);
    } finally {
      await Promise.all([a!.close(), b!.close()]);
    }
  }, 120_000);
});

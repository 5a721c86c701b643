/**
 * The PostgreSQL side of `vigil migrate` (issue 19): a SQLite home's rows written into
 * the team's tables with their ids kept (a memory topic's source "event 41" still names
 * event 41), its daily logs as the chains of one node, and everything read back in the
 * canonical form of src/store/home-export.ts so the copy can be compared row for row.
 * Writes only INSERT, inside the caller's one transaction.
 */
import type pg from 'pg';
import type { CopiedAction, CopiedDecision, CopiedEvent, CopiedLogLine, CopiedMemoryVersion } from '../home-export.js';
import type { Queryable } from './connect.js';
import { readPgMemoryRows } from './memory.js';

/** How many rows each table the copy writes holds now (\`dream_state\`: 1 once a dream left anything in its one row). */
export async function targetCounts(db: Queryable): Promise<Record<string, number>> {
  const row = (await db.query<Record<string, number>>(
    `SELECT (SELECT count(*) FROM inbox) AS inbox, (SELECT count(*) FROM decisions) AS decisions,
            (SELECT count(*) FROM actions) AS actions, (SELECT count(*) FROM memory_files) AS memory_files,
            (SELECT count(*) FROM log_entries) AS log_entries, (SELECT count(*) FROM web_sessions) AS web_sessions,
            (SELECT count(*) FROM push_subscriptions) AS push_subscriptions, (SELECT count(*) FROM reminders) AS reminders,
            (SELECT count(*) FROM rule_suggestions) AS rule_suggestions, (SELECT count(*) FROM model_usage) AS model_usage,
            (SELECT count(*) FROM notify_queue) AS notify_queue,
            (SELECT count(*) FROM dream_state WHERE marks <> '{}'::jsonb OR last_dream_at IS NOT NULL OR last_failed_at IS NOT NULL) AS dream_state`,
  )).rows[0]!;
  return row;
}

/** Nothing else writes these tables while the copy runs (a node started meanwhile waits). */
export async function lockTargetTables(client: pg.PoolClient): Promise<void> {
  await client.query('LOCK TABLE inbox, decisions, actions, memory_files, log_entries, web_sessions, push_subscriptions, reminders, rule_suggestions, model_usage, dream_state, notify_queue IN EXCLUSIVE MODE');
}

export async function insertEvents(client: pg.PoolClient, node: string, events: readonly CopiedEvent[]): Promise<void> {
  if (events.length === 0) return;
  await client.query(
    `INSERT INTO inbox (id, source, kind, delivery_id, body, body_digest, received_at, received_by, state, attempts, decided_at)
     OVERRIDING SYSTEM VALUE
     SELECT e.id, e.source, e.kind, e.delivery_id, e.body, e.body_digest, e.received_at, $11, e.state, e.attempts, e.decided_at
     FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bytea[], $6::text[], $7::bigint[], $8::text[], $9::int[], $10::bigint[])
       AS e(id, source, kind, delivery_id, body, body_digest, received_at, state, attempts, decided_at)`,
    [
      events.map((e) => e.id), events.map((e) => e.source), events.map((e) => e.kind), events.map((e) => e.deliveryId),
      events.map((e) => e.body), events.map((e) => e.bodyDigest), events.map((e) => e.receivedAt), events.map((e) => e.state),
      events.map((e) => e.attempts), events.map((e) => e.decidedAt), node,
    ],
  );
}

export async function insertDecisions(client: pg.PoolClient, node: string, decisions: readonly CopiedDecision[]): Promise<void> {
  for (let i = 0; i < decisions.length; i += 1000) {
    const d = decisions.slice(i, i + 1000);
    await client.query(
      `INSERT INTO decisions (id, event_id, act, summary, model, decided_by, decided_at, subject)
       OVERRIDING SYSTEM VALUE
       SELECT d.id, d.event_id, d.act, d.summary, d.model, $8, d.decided_at, d.subject
       FROM unnest($1::bigint[], $2::bigint[], $3::boolean[], $4::text[], $5::text[], $6::bigint[], $7::text[])
         AS d(id, event_id, act, summary, model, decided_at, subject)`,
      [d.map((x) => x.id), d.map((x) => x.eventId), d.map((x) => x.act), d.map((x) => x.summary), d.map((x) => x.model), d.map((x) => x.decidedAt), d.map((x) => x.subject), node],
    );
  }
}

const ACTION_COLUMNS = [
  ['id', 'text'], ['event_id', 'bigint'], ['decision_id', 'bigint'], ['action', 'text'], ['params', 'text'], ['rationale', 'text'],
  ['repo', 'text'], ['state', 'text'], ['verdict', 'text'], ['reason', 'text'], ['created_at', 'bigint'], ['updated_at', 'bigint'],
  ['expires_at', 'bigint'], ['answered_by', 'text'], ['answered_at', 'bigint'], ['answer_reason', 'text'], ['attempts', 'int'],
  ['result', 'text'], ['error', 'text'], ['subject', 'text'],
] as const;

const ACTION_FIELDS: ReadonlyArray<keyof CopiedAction> = [
  'id', 'eventId', 'decisionId', 'action', 'params', 'rationale', 'repo', 'state', 'verdict', 'reason', 'createdAt', 'updatedAt',
  'expiresAt', 'answeredBy', 'answeredAt', 'answerReason', 'attempts', 'result', 'error', 'subject',
];

export async function insertActions(client: pg.PoolClient, actions: readonly CopiedAction[]): Promise<void> {
  const names = ACTION_COLUMNS.map(([name]) => name).join(', ');
  const arrays = ACTION_COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ');
  for (let i = 0; i < actions.length; i += 1000) {
    const batch = actions.slice(i, i + 1000);
    await client.query(
      `INSERT INTO actions (${names}) SELECT * FROM unnest(${arrays}) AS a(${names})`,
      ACTION_FIELDS.map((field) => batch.map((a) => a[field])),
    );
  }
}

/** A day's lines as `node`'s chain of that day, byte for byte: the hashes stay what they were. */
export async function insertLogLines(client: pg.PoolClient, node: string, lines: readonly CopiedLogLine[]): Promise<void> {
  for (let i = 0; i < lines.length; i += 2000) {
    const l = lines.slice(i, i + 2000);
    await client.query(
      `INSERT INTO log_entries (node, day, seq, ts, type, line, hash)
       SELECT $1, e.day, e.seq, e.ts, e.type, e.line, e.hash
       FROM unnest($2::text[], $3::bigint[], $4::timestamptz[], $5::text[], $6::text[], $7::text[]) AS e(day, seq, ts, type, line, hash)`,
      [node, l.map((x) => x.day), l.map((x) => x.seq), l.map((x) => x.ts), l.map((x) => x.type), l.map((x) => x.line), l.map((x) => x.hash)],
    );
  }
}

export async function insertMemory(client: pg.PoolClient, node: string, versions: readonly CopiedMemoryVersion[]): Promise<void> {
  for (const v of versions) {
    await client.query(
      'INSERT INTO memory_files (path, version, content, written_at, written_by) VALUES ($1, $2, $3, $4, $5)',
      [v.path, v.version, v.content, v.writtenAt, node],
    );
  }
}

/** The identities continue after the copied ids, so the next delivery or decision gets a new one. */
export async function advanceIdentities(client: pg.PoolClient): Promise<void> {
  for (const table of ['inbox', 'decisions']) {
    await client.query(
      `SELECT setval(pg_get_serial_sequence('${table}', 'id'), GREATEST((SELECT max(id) FROM ${table}), 1), (SELECT max(id) FROM ${table}) IS NOT NULL)`,
    );
  }
}

/** The inbox read back by id, in batches, in the canonical form. */
export async function* readEvents(db: Queryable, batch = 500): AsyncGenerator<CopiedEvent[]> {
  let after = 0;
  for (;;) {
    const rows = (await db.query<{
      id: number; source: string; kind: string; delivery_id: string | null; body: Buffer; body_digest: string | null;
      received_at: number; state: string; attempts: number; decided_at: number | null;
    }>(
      `SELECT id, source, kind, delivery_id, body, body_digest, received_at, state, attempts, decided_at
       FROM inbox WHERE id > $1 ORDER BY id LIMIT $2`,
      [after, batch],
    )).rows;
    if (rows.length === 0) return;
    yield rows.map((r) => ({
      id: r.id, source: r.source, kind: r.kind, deliveryId: r.delivery_id, body: r.body, bodyDigest: r.body_digest,
      receivedAt: r.received_at, state: r.state as CopiedEvent['state'], attempts: r.attempts, decidedAt: r.decided_at,
    }));
    after = rows[rows.length - 1]!.id;
  }
}

export async function readDecisions(db: Queryable): Promise<CopiedDecision[]> {
  const rows = (await db.query<{ id: number; event_id: number; act: boolean; summary: string; model: string; decided_at: number; subject: string | null }>(
    'SELECT id, event_id, act, summary, model, decided_at, subject FROM decisions ORDER BY id',
  )).rows;
  return rows.map((r) => ({ id: r.id, eventId: r.event_id, act: r.act, summary: r.summary, model: r.model, decidedAt: r.decided_at, subject: r.subject }));
}

export async function readActions(db: Queryable): Promise<CopiedAction[]> {
  const rows = (await db.query<Record<string, string | number | null>>(`SELECT ${ACTION_COLUMNS.map(([name]) => name).join(', ')} FROM actions`)).rows;
  const actions = rows.map((r) => Object.fromEntries(ACTION_FIELDS.map((field, i) => [field, r[ACTION_COLUMNS[i]![0]]])) as unknown as CopiedAction);
  return actions.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The days `node` has a chain for, oldest first. */
export async function readLogDays(db: Queryable, node: string): Promise<string[]> {
  return (await db.query<{ day: string }>('SELECT DISTINCT day FROM log_entries WHERE node = $1 ORDER BY day', [node])).rows.map((r) => r.day);
}

export async function readLogLines(db: Queryable, node: string, day: string): Promise<CopiedLogLine[]> {
  const rows = (await db.query<{ seq: number; ts: Date; type: string; line: string; hash: string }>(
    'SELECT seq, ts, type, line, hash FROM log_entries WHERE node = $1 AND day = $2 ORDER BY seq',
    [node, day],
  )).rows;
  // The line holds `ts` as written; the column (what merges nodes by time) must be the same instant.
  return rows.map((r) => {
    const written = (JSON.parse(r.line) as { ts: string }).ts;
    const ts = Date.parse(written) === r.ts.getTime() ? written : `column ${r.ts.toISOString()}`;
    return { day, seq: r.seq, ts, type: r.type, hash: r.hash, line: r.line };
  });
}

export async function readMemoryVersions(db: Queryable): Promise<CopiedMemoryVersion[]> {
  return (await readPgMemoryRows(db)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.version - b.version));
}

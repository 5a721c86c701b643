/**
 * `vigil migrate`'s part for what a home remembers beyond its work (issue 19): its rule
 * suggestions into `rule_suggestions` (ids kept: an open one's link names its id), its
 * usage ledger into `model_usage` (ids kept, spent by the node the home becomes), and its
 * dream's state into the team's one `dream_state` row, the mark on that node's chain;
 * each read back in the canonical form of src/store/home-export-state.ts. In the
 * caller's transaction.
 */
import type pg from 'pg';
import type { CopiedDreamState, CopiedNotice, CopiedSuggestion, CopiedUsage } from '../home-export-state.js';
import type { Queryable } from './connect.js';

/** `node`: the node the home becomes, named as the one that took an accepted suggestion's link. */
export async function insertSuggestions(client: pg.PoolClient, node: string, suggestions: readonly CopiedSuggestion[]): Promise<void> {
  if (suggestions.length === 0) return;
  const s = suggestions;
  await client.query(
    `INSERT INTO rule_suggestions (id, action, repo, approvals, state, created_at, expires_at, answered_at, answered_by)
     SELECT e.*, CASE WHEN e.answered_at IS NULL THEN NULL ELSE $9 END
     FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[])
       AS e(id, action, repo, approvals, state, created_at, expires_at, answered_at)`,
    [s.map((x) => x.id), s.map((x) => x.action), s.map((x) => x.repo), s.map((x) => x.approvals), s.map((x) => x.state), s.map((x) => x.createdAt), s.map((x) => x.expiresAt), s.map((x) => x.answeredAt), node],
  );
}

export async function readSuggestions(db: Queryable): Promise<CopiedSuggestion[]> {
  const { rows } = await db.query<{ id: string; action: string; repo: string; approvals: number; state: CopiedSuggestion['state']; created_at: number; expires_at: number; answered_at: number | null }>(
    'SELECT id, action, repo, approvals, state, created_at, expires_at, answered_at FROM rule_suggestions',
  );
  return rows
    .map((r) => ({ id: r.id, action: r.action, repo: r.repo, approvals: r.approvals, state: r.state, createdAt: r.created_at, expiresAt: r.expires_at, answeredAt: r.answered_at }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The owner's questions the home had not sent, queued for the team's workers in the home's order. */
export async function insertNotices(client: pg.PoolClient, notices: readonly CopiedNotice[]): Promise<void> {
  for (const n of notices) {
    const payload = n.kind === 'approval' ? { actionId: n.subject } : { suggestionId: n.subject };
    await client.query('INSERT INTO notify_queue (key, kind, payload, created_at) VALUES ($1, $2, $3::jsonb, $4)', [n.key, n.kind, JSON.stringify(payload), n.createdAt]);
  }
}

export async function readNotices(db: Queryable): Promise<CopiedNotice[]> {
  const { rows } = await db.query<{ key: string; kind: CopiedNotice['kind']; payload: { actionId?: unknown; suggestionId?: unknown }; created_at: number }>(
    `SELECT key, kind, payload, created_at FROM notify_queue WHERE done_at IS NULL AND kind IN ('approval', 'rule') ORDER BY id`,
  );
  return rows.map((r) => ({ key: r.key, kind: r.kind, subject: String(r.kind === 'approval' ? r.payload.actionId : r.payload.suggestionId), createdAt: r.created_at }));
}

const USAGE_COLUMNS = 'id, at, day, provider, model, purpose, event_id, input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens, duration_ms';

/** The home's model calls, as `node` spent them; the identity continues after them. */
export async function insertUsage(client: pg.PoolClient, node: string, usage: readonly CopiedUsage[]): Promise<void> {
  if (usage.length === 0) return;
  const u = usage;
  await client.query(
    `INSERT INTO model_usage (${USAGE_COLUMNS}, node)
     OVERRIDING SYSTEM VALUE
     SELECT e.*, $13 FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[])
       AS e(${USAGE_COLUMNS})`,
    [
      u.map((x) => x.id), u.map((x) => x.at), u.map((x) => x.day), u.map((x) => x.provider), u.map((x) => x.model), u.map((x) => x.purpose),
      u.map((x) => x.eventId), u.map((x) => x.inputTokens), u.map((x) => x.outputTokens), u.map((x) => x.cacheCreationTokens),
      u.map((x) => x.cacheReadTokens), u.map((x) => x.durationMs), node,
    ],
  );
  await client.query(`SELECT setval(pg_get_serial_sequence('model_usage', 'id'), (SELECT max(id) FROM model_usage))`);
}

/** The ledger read back by id, in batches. */
export async function* readUsage(db: Queryable, batch = 5000): AsyncGenerator<CopiedUsage[]> {
  let after = 0;
  for (;;) {
    const { rows } = await db.query<{
      id: number; at: number; day: string; provider: string; model: string; purpose: string; event_id: number | null;
      input_tokens: number; output_tokens: number; cache_creation_tokens: number; cache_read_tokens: number; duration_ms: number;
    }>(`SELECT ${USAGE_COLUMNS} FROM model_usage WHERE id > $1 ORDER BY id LIMIT $2`, [after, batch]);
    if (rows.length === 0) return;
    yield rows.map((r) => ({
      id: r.id, at: r.at, day: r.day, provider: r.provider, model: r.model, purpose: r.purpose, eventId: r.event_id,
      inputTokens: r.input_tokens, outputTokens: r.output_tokens, cacheCreationTokens: r.cache_creation_tokens, cacheReadTokens: r.cache_read_tokens,
      durationMs: r.duration_ms,
    }));
    after = rows[rows.length - 1]!.id;
  }
}

/** The home's last dream into the team's row (made by pg-005), its mark on `node`'s chain; `dreamed_by` the node when it dreamed. */
export async function writeDreamState(client: pg.PoolClient, node: string, state: CopiedDreamState): Promise<void> {
  await client.query(
    `UPDATE dream_state SET marks = $1::jsonb, last_dream_at = $2, last_dream_id = $3, dreamed_by = $4, last_failed_at = $5, last_failure = $6 WHERE id = 1`,
    [JSON.stringify(state.mark ? { [node]: state.mark } : {}), state.lastDreamAt, state.lastDreamId, state.lastDreamId === null ? null : node, state.lastFailedAt, state.lastFailure],
  );
}

/**
 * The team's dream state in the home's form, undefined when it holds none (as a fresh
 * database's row). A mark on another node's chain, or more than one, is no home's: it is
 * read back as such, so the comparison fails.
 */
export async function readDreamState(db: Queryable, node: string): Promise<CopiedDreamState | undefined> {
  const row = (await db.query<{ marks: Record<string, { day: string; seq: number }>; last_dream_at: number | null; last_dream_id: string | null; last_failed_at: number | null; last_failure: string | null }>(
    'SELECT marks, last_dream_at, last_dream_id, last_failed_at, last_failure FROM dream_state WHERE id = 1',
  )).rows[0];
  if (!row) return undefined;
  const nodes = Object.keys(row.marks);
  const mark = nodes.length === 0 ? null : nodes.length === 1 && nodes[0] === node ? { day: row.marks[node]!.day, seq: row.marks[node]!.seq } : { day: `marks of ${nodes.join(', ')}`, seq: -1 };
  const state = { lastDreamAt: row.last_dream_at, lastDreamId: row.last_dream_id, mark, lastFailedAt: row.last_failed_at, lastFailure: row.last_failure };
  return state.lastDreamAt === null && state.lastFailedAt === null && state.mark === null ? undefined : state;
}

/**
 * What a home remembers beyond its work, as `vigil migrate` reads it (issue 19): the rule
 * suggestions it offered, its model usage ledger, its dream's state, and the owner's
 * questions its worker had not sent yet — each in the
 * canonical form both sides of the copy are compared in (src/store/home-export.ts). Read
 * only, from vigil.db opened read-only.
 */
import type { Db } from './db.js';
import type { KvValues } from './kv-keys.js';
import type { RuleSuggestion } from './owner-answers.js';

/**
 * Every suggestion the home offered, accepted or expired too: the team offers again only
 * after the newest one for a pair (an open offer is not made twice, and approvals before
 * the last offer do not count again), and an open one's link — its id, signed with the
 * home's `capabilityKey` — is accepted by a node on the home's own suggestion row.
 */
export type CopiedSuggestion = RuleSuggestion;

/** A model call of the usage ledger: today's spend and the Activity page's trend read it on the team as at home. */
export interface CopiedUsage {
  id: number;
  at: number;
  day: string;
  provider: string;
  model: string;
  purpose: string;
  eventId: number | null;
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  durationMs: number;
}

/** A chain's mark as the team's dreamer keeps it (src/store/pg/dream.ts): the last line taken in. */
export interface CopiedMark {
  day: string;
  seq: number;
}

/**
 * The home's last dream as the team's `dream_state` holds it: when, which, and how far it
 * read — the home's byte offset turned into the seq of the last line before it on that
 * day (the day's lines become the node's chain with their seqs), so the team's first dream
 * reads only what the home's next would have, and the gate waits `dream.minHours` from the
 * home's last dream rather than dreaming at once.
 */
export interface CopiedDreamState {
  lastDreamAt: number | null;
  lastDreamId: string | null;
  /** null: the home never dreamed past a line (the team's dream reads the chain from its first). */
  mark: CopiedMark | null;
  lastFailedAt: number | null;
  lastFailure: string | null;
}

/**
 * A notice the home's worker had not sent when it stopped that asks the owner something —
 * an approval (\`approval:<id>\`) or a rule suggestion (\`rule:<id>\`): a node's worker sends
 * it, and the sender reads its subject first, so one answered, accepted or expired since
 * sends nothing. (A notice the home had begun to send may reach a channel twice.)
 */
export interface CopiedNotice {
  key: string;
  kind: 'approval' | 'rule';
  /** The action's or the suggestion's id: the payload is \`{actionId}\` or \`{suggestionId}\` on both sides. */
  subject: string;
  createdAt: number;
}

/** Both sides order by code unit, whatever their collation. */
const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function exportSuggestions(db: Db): CopiedSuggestion[] {
  const rows = db.prepare('SELECT id, action, repo, approvals, state, created_at, expires_at, answered_at FROM rule_suggestions').all() as Array<{
    id: string; action: string; repo: string; approvals: number; state: RuleSuggestion['state']; created_at: number; expires_at: number; answered_at: number | null;
  }>;
  return rows
    .map((r) => ({ id: r.id, action: r.action, repo: r.repo, approvals: r.approvals, state: r.state, createdAt: r.created_at, expiresAt: r.expires_at, answeredAt: r.answered_at }))
    .sort(byId);
}

export function exportNotices(db: Db): CopiedNotice[] {
  const rows = db.prepare(`SELECT key, kind, payload, created_at FROM notify_queue WHERE done_at IS NULL AND kind IN ('approval', 'rule') ORDER BY id`).all() as Array<{
    key: string; kind: 'approval' | 'rule'; payload: string; created_at: number;
  }>;
  return rows.map((r) => {
    const payload = JSON.parse(r.payload) as { actionId?: unknown; suggestionId?: unknown };
    return { key: r.key, kind: r.kind, subject: String(r.kind === 'approval' ? payload.actionId : payload.suggestionId), createdAt: r.created_at };
  });
}

/** The ledger by id, in batches (a row per model call: a long-lived home has many). */
export function* exportUsage(db: Db, batch = 5000): Generator<CopiedUsage[]> {
  const stmt = db.prepare(
    `SELECT id, at, day, provider, model, purpose, event_id, input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens, duration_ms
     FROM model_usage WHERE id > ? ORDER BY id LIMIT ?`,
  );
  let after = 0;
  for (;;) {
    const rows = stmt.all(after, batch) as Array<{
      id: number; at: number; day: string; provider: string; model: string; purpose: string; event_id: number | null;
      input_tokens: number; output_tokens: number; cache_creation_tokens: number; cache_read_tokens: number; duration_ms: number;
    }>;
    if (rows.length === 0) return;
    yield rows.map((r) => ({
      id: r.id, at: r.at, day: r.day, provider: r.provider, model: r.model, purpose: r.purpose, eventId: r.event_id,
      inputTokens: r.input_tokens, outputTokens: r.output_tokens, cacheCreationTokens: r.cache_creation_tokens, cacheReadTokens: r.cache_read_tokens,
      // The team's column is whole milliseconds (src/store/pg/usage.ts rounds), the home's may not be.
      durationMs: Math.round(r.duration_ms),
    }));
    after = rows[rows.length - 1]!.id;
  }
}

/**
 * The home's dream state (kv `dream.state`), undefined when it never dreamed nor failed to.
 * `lineEnds(day)`: the byte offset just past each line of that day's file with its seq, in
 * order (the copy's own reading of the day); the watermark is at a line start, so the mark
 * is the last line ending at or before it — seq 0 when none does (nothing of that day read).
 */
export function exportDreamState(db: Db, lineEnds: (day: string) => Array<{ end: number; seq: number }>): CopiedDreamState | undefined {
  const row = db.prepare(`SELECT value FROM kv WHERE key = 'dream.state'`).get() as { value: string } | undefined;
  if (!row) return undefined;
  const saved = JSON.parse(row.value) as KvValues['dream.state'];
  const state: CopiedDreamState = {
    lastDreamAt: saved.lastDreamAt ?? null,
    lastDreamId: saved.lastDreamId ?? null,
    mark: null,
    lastFailedAt: saved.lastFailedAt ?? null,
    lastFailure: saved.lastFailure ?? null,
  };
  const watermark = saved.watermark;
  if (watermark) {
    let seq = 0;
    for (const line of lineEnds(watermark.date)) {
      if (line.end > watermark.offset) break;
      seq = line.seq;
    }
    state.mark = { day: watermark.date, seq };
  }
  return state.lastDreamAt === null && state.lastFailedAt === null && state.mark === null ? undefined : state;
}

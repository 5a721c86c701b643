/**
 * Migrations, applied in order, each inside its own transaction and recorded by id in
 * `_migrations` (ids let rooms developed in parallel each add theirs without fighting
 * over a number). `user_version` counts the applied ones, so an older vigil can tell it
 * meets a newer database. Never edit a released migration: add the next one.
 */
export interface Migration {
  id: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  // The spine — inbox, decisions, actions (the state machine of docs/architecture.md),
  // reminders, a small key-value table, and the log outbox.
  { id: '001-spine', sql: `
  CREATE TABLE inbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    source      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    delivery_id TEXT UNIQUE,
    payload     TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending',
    lease_until INTEGER,
    attempts    INTEGER NOT NULL DEFAULT 0,
    decided_at  INTEGER
  );
  CREATE INDEX inbox_by_state ON inbox(state, id);

  CREATE TABLE decisions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id   INTEGER NOT NULL UNIQUE REFERENCES inbox(id),
    act        INTEGER NOT NULL,
    summary    TEXT NOT NULL,
    model      TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );

  CREATE TABLE actions (
    id           TEXT PRIMARY KEY,
    event_id     INTEGER REFERENCES inbox(id),
    decision_id  INTEGER REFERENCES decisions(id),
    action       TEXT NOT NULL,
    params       TEXT NOT NULL,
    rationale    TEXT NOT NULL DEFAULT '',
    repo         TEXT,
    state        TEXT NOT NULL,
    verdict      TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    answered_by  TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    worker_pid   INTEGER,
    result       TEXT,
    error        TEXT
  );
  CREATE INDEX actions_by_state ON actions(state, created_at);

  CREATE TABLE reminders (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    action_id TEXT UNIQUE REFERENCES actions(id),
    due_at    INTEGER NOT NULL,
    note      TEXT NOT NULL,
    fired_at  INTEGER
  );
  CREATE INDEX reminders_due ON reminders(fired_at, due_at);

  CREATE TABLE kv (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );

  CREATE TABLE log_outbox (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    record TEXT NOT NULL
  );
  ` },
  // Full-text search over log entries and event payloads (issue 5, src/memory/search.ts).
  // `ref` names the hit ("log 2026-01-03#12", "event 41"); only `body` is tokenised.
  // better-sqlite3 bundles SQLite compiled with FTS5.
  { id: '005-memory-search', sql: `
  CREATE VIRTUAL TABLE memory_search USING fts5(
    body,
    date UNINDEXED,
    ref UNINDEXED,
    kind UNINDEXED,
    tokenize = 'porter unicode61'
  );
  ` },
  // Reaching the owner (issue 6, src/notify and src/web): push subscriptions, what was
  // sent or held (the hourly cap, quiet hours, the digest, and exactly-once per channel),
  // the daemon's queue of notices for the worker, dashboard sessions, used capability tokens.
  { id: '006-notify-web', sql: `
  CREATE TABLE push_subscriptions (
    endpoint        TEXT PRIMARY KEY,
    p256dh          TEXT NOT NULL,
    auth            TEXT NOT NULL,
    user_agent      TEXT,
    created_at      INTEGER NOT NULL,
    backoff_until   INTEGER,
    last_ok_at      INTEGER
  );

  CREATE TABLE notify_log (
    key        TEXT PRIMARY KEY,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    urgency    TEXT NOT NULL,
    state      TEXT NOT NULL,
    reason     TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX notify_log_by_state ON notify_log(state, created_at);

  CREATE TABLE notify_deliveries (
    key     TEXT NOT NULL,
    channel TEXT NOT NULL,
    at      INTEGER NOT NULL,
    PRIMARY KEY (key, channel)
  );

  CREATE TABLE notify_queue (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    key        TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    done_at    INTEGER
  );
  CREATE INDEX notify_queue_pending ON notify_queue(done_at, id);

  CREATE TABLE web_sessions (
    id_hash    TEXT PRIMARY KEY,
    csrf       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );

  CREATE TABLE capability_uses (
    nonce     TEXT PRIMARY KEY,
    action_id TEXT NOT NULL,
    used_at   INTEGER NOT NULL
  );
  ` },
  // Tokens per model call (issue 4): `vigil status` adds up today's per model and prices them.
  // `day` is the local YYYY-MM-DD of the call, like the daily logs, so "today" needs no time-zone SQL.
  { id: '004-model-usage', sql: `
  CREATE TABLE model_usage (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    at                    INTEGER NOT NULL,
    day                   TEXT NOT NULL,
    provider              TEXT NOT NULL,
    model                 TEXT NOT NULL,
    purpose               TEXT NOT NULL,
    event_id              INTEGER,
    input_tokens          INTEGER NOT NULL,
    output_tokens         INTEGER NOT NULL,
    cache_creation_tokens INTEGER NOT NULL,
    cache_read_tokens     INTEGER NOT NULL,
    duration_ms           INTEGER NOT NULL
  );
  CREATE INDEX model_usage_by_day ON model_usage(day, model);
  ` },
  // The delivery spool (issue 3): a webhook body lives in spool/<segment>.spool and its
  // inbox row holds '' as payload and the record's place as payload_ref.
  { id: '007-inbox-spool', sql: `
  ALTER TABLE inbox ADD COLUMN payload_ref TEXT;
  ` },
  // Replays (issue 12): GitHub signs the body, not the headers, so a captured delivery
  // can come back under new delivery ids. `body_digest` is the first 64 bits of the
  // delivery's HMAC-SHA256 over its exact bytes; a second row with the same body is refused.
  { id: '012-inbox-body-digest', sql: `
  ALTER TABLE inbox ADD COLUMN body_digest INTEGER;
  CREATE UNIQUE INDEX inbox_by_body_digest ON inbox(body_digest) WHERE body_digest IS NOT NULL;
  ` },
  // Thread memory (issue 14): what a decision or an action is about — "octo/app#7" for an
  // issue or pull request, "octo/app@<sha>" for a commit — so the next decision about the
  // same subject sees what vigil decided and did before. NULL: about nothing in particular
  // (a tick), or recorded before this migration.
  { id: '014-thread-subject', sql: `
  ALTER TABLE decisions ADD COLUMN subject TEXT;
  ALTER TABLE actions ADD COLUMN subject TEXT;
  CREATE INDEX decisions_by_subject ON decisions(subject, id) WHERE subject IS NOT NULL;
  CREATE INDEX actions_by_subject ON actions(subject, created_at) WHERE subject IS NOT NULL;
  ` },
  // Quiet ticks (issue 14): the world mark is the newest event that was or will be
  // decided. Filtered rows (intake's filter, the triage's own echoes and skipped kinds)
  // can come in bursts, so the tick reads one entry of this index instead of walking back.
  { id: '015-inbox-decidable', sql: `
  CREATE INDEX inbox_decidable ON inbox(id) WHERE source <> 'tick' AND state <> 'filtered';
  ` },
  // Retention (issue 18): pruning an inbox row deletes its decision and unlinks its
  // finished actions; with foreign keys on, each delete looks up the actions that point
  // at the row, and without these indexes every lookup scanned the whole actions table.
  { id: '018-retention-indexes', sql: `
  CREATE INDEX actions_by_event ON actions(event_id) WHERE event_id IS NOT NULL;
  CREATE INDEX actions_by_decision ON actions(decision_id) WHERE decision_id IS NOT NULL;
  ` },
  // The dashboard's pictures (issue 17): counts per local day, hour and metric, kept up to
  // date from the daily logs behind a watermark (src/web/log-stats.ts), so a chart reads a
  // few hundred rows instead of parsing log files.
  { id: '017-dashboard-log-stats', sql: `
  CREATE TABLE log_stats (
    day    TEXT NOT NULL,
    hour   INTEGER NOT NULL,
    metric TEXT NOT NULL,
    value  INTEGER NOT NULL,
    PRIMARY KEY (day, hour, metric)
  ) WITHOUT ROWID;
  ` },
  // The owner's answers (issue 15): when an approval was answered and the owner's own words
  // with a denial, so a dream can learn the owner and vigil can offer the rule that would
  // have allowed what the owner keeps approving. \`updated_at\` moves on as the action runs;
  // \`answered_at\` stays. A suggestion is offered through a capability link, accepted once.
  { id: '019-owner-answers', sql: `
  ALTER TABLE actions ADD COLUMN answered_at INTEGER;
  ALTER TABLE actions ADD COLUMN answer_reason TEXT;
  CREATE INDEX actions_answered ON actions(action, repo, answered_at) WHERE answered_at IS NOT NULL;

  CREATE TABLE rule_suggestions (
    id          TEXT PRIMARY KEY,
    action      TEXT NOT NULL,
    repo        TEXT NOT NULL,
    approvals   INTEGER NOT NULL,
    state       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    answered_at INTEGER
  );
  CREATE INDEX rule_suggestions_by_pair ON rule_suggestions(action, repo, created_at);
  ` },
];

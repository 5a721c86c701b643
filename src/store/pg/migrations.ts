/**
 * The team store's schema in PostgreSQL's dialect (issue 19), versioned like
 * src/store/migrations.ts: applied in order, recorded by id in `_migrations`, the pending
 * ones together in one transaction (PostgreSQL's DDL is transactional: all or none); an id this vigil does not know means a newer vigil wrote the database.
 * Pending means "not recorded", not "after the last recorded": a migration numbered
 * before one already applied (slices landing out of order) is applied at the next start.
 * Never edit a released migration: add the next one. Times are epoch milliseconds
 * (`bigint`) as in SQLite, so both stores speak the same numbers. The list only: migrate.ts
 * applies it.
 */
export interface PgMigration {
  id: string;
  sql: string;
}

export const PG_MIGRATIONS: readonly PgMigration[] = [
  // What several nodes need first: the inbox with the delivery's body in its row (one
  // transaction, no spool beside it), actions claimed with leases, the nodes, and the log.
  { id: 'pg-001-team-spine', sql: `
  CREATE TABLE inbox (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source      text NOT NULL,
    kind        text NOT NULL,
    delivery_id text UNIQUE,
    -- The body exactly as received (the signature was checked over these bytes).
    body        bytea NOT NULL,
    -- 16 hex digits of the body's digest: a body stored before under another id is a replay.
    body_digest text UNIQUE CHECK (body_digest ~ '^[0-9a-f]{16}$'),
    received_at bigint NOT NULL,
    received_by text NOT NULL,
    state       text NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'claimed', 'decided', 'filtered')),
    claimed_by  text,
    lease_until bigint,
    attempts    integer NOT NULL DEFAULT 0,
    decided_at  bigint,
    CHECK ((state = 'claimed') = (claimed_by IS NOT NULL AND lease_until IS NOT NULL))
  );
  CREATE INDEX inbox_pending ON inbox (id) WHERE state = 'pending';
  CREATE INDEX inbox_leases ON inbox (lease_until) WHERE state = 'claimed';

  CREATE TABLE actions (
    id          text PRIMARY KEY,
    event_id    bigint REFERENCES inbox(id),
    action      text NOT NULL,
    params      text NOT NULL,
    rationale   text NOT NULL DEFAULT '',
    repo        text,
    state       text NOT NULL CHECK (state IN
                ('proposed', 'awaiting_approval', 'approved', 'running', 'succeeded', 'failed', 'denied', 'expired')),
    verdict     text NOT NULL,
    reason      text NOT NULL DEFAULT '',
    created_at  bigint NOT NULL,
    updated_at  bigint NOT NULL,
    claimed_by  text,
    lease_until bigint,
    attempts    integer NOT NULL DEFAULT 0,
    result      text,
    error       text,
    CHECK ((state = 'running') = (claimed_by IS NOT NULL AND lease_until IS NOT NULL))
  );
  CREATE INDEX actions_approved ON actions (created_at) WHERE state = 'approved';
  CREATE INDEX actions_leases ON actions (lease_until) WHERE state = 'running';

  -- Who is alive and what each holds (roles, claimed events and actions), for vigil status.
  -- The truth about roles is pg_locks; this row is what the node last said.
  CREATE TABLE nodes (
    name         text PRIMARY KEY,
    started_at   bigint NOT NULL,
    heartbeat_at bigint NOT NULL,
    holds        jsonb NOT NULL DEFAULT '{}'::jsonb
  );

  -- The log: one hash-chained chain per node and local day, each line exactly as
  -- src/logs formats it (same genesis, same hash). Append-only, by the database itself.
  CREATE TABLE log_entries (
    node  text NOT NULL,
    day   text NOT NULL CHECK (day ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
    seq   bigint NOT NULL CHECK (seq >= 1),
    ts    timestamptz NOT NULL,
    type  text NOT NULL,
    line  text NOT NULL,
    hash  text NOT NULL,
    PRIMARY KEY (node, day, seq)
  );
  CREATE INDEX log_entries_by_time ON log_entries (ts);

  CREATE FUNCTION log_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION 'log_entries is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
  END;
  $$;
  CREATE TRIGGER log_entries_no_update_delete BEFORE UPDATE OR DELETE ON log_entries
    FOR EACH ROW EXECUTE FUNCTION log_entries_append_only();
  CREATE TRIGGER log_entries_no_truncate BEFORE TRUNCATE ON log_entries
    FOR EACH STATEMENT EXECUTE FUNCTION log_entries_append_only();
  ` },
  // Decisions, one per decided event (a second guard beside the lease: a unique key).
  { id: 'pg-002-decisions', sql: `
  CREATE TABLE decisions (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id   bigint NOT NULL UNIQUE REFERENCES inbox(id),
    act        boolean NOT NULL,
    summary    text NOT NULL,
    model      text NOT NULL,
    decided_by text NOT NULL,
    decided_at bigint NOT NULL
  );
  ALTER TABLE actions ADD COLUMN decision_id bigint REFERENCES decisions(id);
  ` },
  // What a SQLite home brings along (vigil migrate): the approvals' answers and expiry and
  // the thread subjects, as src/store/migrations.ts has them; the memory folder as
  // versioned rows; and the team's own id, which names the node-local caches derived
  // from this database (a cache of another database is never read as this one's).
  { id: 'pg-004-home-copy', sql: `
  ALTER TABLE actions ADD COLUMN IF NOT EXISTS expires_at bigint;
  ALTER TABLE actions ADD COLUMN IF NOT EXISTS answered_by text;
  ALTER TABLE actions ADD COLUMN IF NOT EXISTS answered_at bigint;
  ALTER TABLE actions ADD COLUMN IF NOT EXISTS answer_reason text;
  ALTER TABLE actions ADD COLUMN IF NOT EXISTS subject text;
  ALTER TABLE decisions ADD COLUMN IF NOT EXISTS subject text;

  -- The memory folder (src/memory): one row per version of a file, the newest the file;
  -- a NULL content is a removal. The same limits as the memory tool (100 KB a file, a
  -- plain relative path without hidden names); a write of several files is one
  -- transaction, so readers see all of it or none.
  CREATE TABLE memory_files (
    path        text NOT NULL CHECK (
                  path ~ '^[^/.][^/]*(/[^/.][^/]*)*$' AND position(chr(92) in path) = 0 AND length(path) <= 1024),
    version     integer NOT NULL CHECK (version >= 1),
    content     text CHECK (octet_length(content) <= 102400),
    -- Unknown (NULL) only for the oldest version a home's .history held.
    written_at  bigint,
    written_by  text NOT NULL,
    PRIMARY KEY (path, version)
  );

  CREATE TABLE team (
    id         text PRIMARY KEY,
    created_at bigint NOT NULL
  );
  INSERT INTO team (id, created_at)
    VALUES (md5(random()::text || clock_timestamp()::text || pg_backend_pid()::text), (extract(epoch from clock_timestamp()) * 1000)::bigint);
  ` },
  // A node's worker and its tick scheduler (issue 19). An effect that cannot be read back
  // from GitHub (a re-run) keeps its mark in its action's row, written before the request,
  // so whichever node takes the action over finds it. One tick per schedule slot: the
  // slot is the key, so a scheduler that takes over from a dead one never runs a slot twice.
  { id: 'pg-003-team-worker-ticks', sql: `
  ALTER TABLE actions ADD COLUMN effect_mark jsonb;
  CREATE TABLE ticks (
    slot        bigint PRIMARY KEY,
    event_id    bigint NOT NULL UNIQUE REFERENCES inbox(id),
    node        text NOT NULL,
    enqueued_at bigint NOT NULL
  );
  ` },
  // The dreamer on a node (issue 19): what the team's last dream read — per node, the last
  // (day, seq) of its chain taken in — and when it ran or failed. One row, updated in the
  // transaction that writes the dream's memory, so the marks move with the memory or not at all.
  { id: 'pg-005-team-dream', sql: `
  CREATE TABLE dream_state (
    id             smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    marks          jsonb NOT NULL DEFAULT '{}'::jsonb,
    last_dream_at  bigint,
    last_dream_id  text,
    dreamed_by     text,
    last_failed_at bigint,
    last_failure   text
  );
  INSERT INTO dream_state (id) VALUES (1);
  ` },
  // The redelivery sweep on a node (issue 19): the delivery ids the team asked GitHub to
  // redeliver (one row each: the key makes a second request's record harmless), and the
  // sweep under way or last done, so the node that takes the role over looks back from
  // the team's last sweep and asks for none of them again.
  { id: 'pg-006-redelivery', sql: `
  CREATE TABLE redeliveries (
    guid         text PRIMARY KEY CHECK (length(guid) BETWEEN 1 AND 200),
    delivery_id  bigint NOT NULL,
    requested_at bigint NOT NULL,
    requested_by text NOT NULL,
    told_at      bigint
  );
  CREATE INDEX redeliveries_by_time ON redeliveries (requested_at);
  CREATE TABLE sweep_state (
    id            smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    last_sweep_at bigint,
    started_at    bigint,
    started_by    text,
    ended         boolean NOT NULL DEFAULT true
  );
  INSERT INTO sweep_state (id) VALUES (1);
  ` },
  // The owner's answers and notifications on a team (issue 19). An ask waits in
  // `actions` as awaiting_approval (pg-004 gave it expires_at and the answer's columns);
  // its notice is queued in the transaction that proposes it and claimed by one node's
  // worker under a lease; each channel's delivery is a unique (key, channel) row, and the
  // hourly cap counts `notify_log` across nodes under one advisory lock. A capability
  // token's nonce is a unique row, written in the transaction that answers with it.
  { id: 'pg-007-approvals-notify', sql: `
  CREATE INDEX actions_awaiting ON actions (expires_at) WHERE state = 'awaiting_approval';

  CREATE TABLE capability_uses (
    nonce     text PRIMARY KEY,
    action_id text NOT NULL REFERENCES actions(id),
    used_at   bigint NOT NULL,
    used_by   text NOT NULL
  );

  CREATE TABLE notify_queue (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key         text NOT NULL UNIQUE,
    kind        text NOT NULL CHECK (kind IN ('approval', 'digest')),
    payload     jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at  bigint NOT NULL,
    claimed_by  text,
    lease_until bigint,
    attempts    integer NOT NULL DEFAULT 0,
    done_at     bigint,
    CHECK ((claimed_by IS NULL) = (lease_until IS NULL))
  );
  CREATE INDEX notify_queue_pending ON notify_queue (id) WHERE done_at IS NULL;

  CREATE TABLE notify_log (
    key        text PRIMARY KEY,
    title      text NOT NULL,
    body       text NOT NULL,
    urgency    text NOT NULL CHECK (urgency IN ('low', 'normal', 'high')),
    state      text NOT NULL CHECK (state IN ('sending', 'sent', 'held', 'digested')),
    reason     text,
    created_at bigint NOT NULL,
    node       text NOT NULL
  );
  CREATE INDEX notify_log_recent ON notify_log (created_at) WHERE state IN ('sending', 'sent');
  CREATE INDEX notify_log_held ON notify_log (created_at) WHERE state = 'held';

  CREATE TABLE notify_deliveries (
    key     text NOT NULL,
    channel text NOT NULL,
    at      bigint NOT NULL,
    node    text NOT NULL,
    PRIMARY KEY (key, channel)
  );
  ` },
  // Model providers on a node (issue 19): the usage ledger as SQLite's model_usage
  // (migration 004: one row per call, `day` the node's local date), and the subject
  // indexes thread memory reads by (SQLite's migration 014).
  { id: 'pg-008-model-usage', sql: `
  CREATE TABLE model_usage (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at                    bigint NOT NULL,
    day                   text NOT NULL CHECK (day ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
    node                  text NOT NULL,
    provider              text NOT NULL,
    model                 text NOT NULL,
    purpose               text NOT NULL,
    event_id              bigint,
    input_tokens          bigint NOT NULL,
    output_tokens         bigint NOT NULL,
    cache_creation_tokens bigint NOT NULL,
    cache_read_tokens     bigint NOT NULL,
    duration_ms           bigint NOT NULL
  );
  CREATE INDEX model_usage_by_day ON model_usage (day);
  CREATE INDEX decisions_by_subject ON decisions (subject, id) WHERE subject IS NOT NULL;
  CREATE INDEX actions_by_subject ON actions (subject, created_at) WHERE subject IS NOT NULL;
  ` },
  // A phone on a team (issue 19): the dashboard's login sessions and the browsers that
  // asked for web push, as SQLite's (migration 006) but shared, so that a phone logged in
  // or subscribed through one node is so on every node. Only a hash of a session id is
  // kept; a push endpoint is https:// (push services speak nothing else), and `node` says
  // which node took it.
  { id: 'pg-009-web-push', sql: `
  CREATE TABLE web_sessions (
    id_hash    text PRIMARY KEY CHECK (id_hash ~ '^[0-9a-f]{64}$'),
    csrf       text NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL
  );
  CREATE INDEX web_sessions_expiry ON web_sessions (expires_at);

  CREATE TABLE push_subscriptions (
    endpoint      text PRIMARY KEY CHECK (endpoint LIKE 'https://%'),
    p256dh        text NOT NULL,
    auth          text NOT NULL,
    user_agent    text,
    created_at    bigint NOT NULL,
    node          text NOT NULL,
    backoff_until bigint,
    last_ok_at    bigint
  );
  ` },
  // Retention on a team (issue 19 with issue 18's store.retainDays): every prune picks its
  // batch by a time column, and PostgreSQL makes no index for a foreign key's referencing
  // side — without these each deleted inbox row or action would scan actions or
  // capability_uses whole to check nothing points at it.
  // IF NOT EXISTS: an index another migration made under the same name is the same index.
  { id: 'pg-010-retention', sql: `
  CREATE INDEX IF NOT EXISTS inbox_handled ON inbox (received_at) WHERE state IN ('decided', 'filtered');
  CREATE INDEX IF NOT EXISTS actions_by_event ON actions (event_id) WHERE event_id IS NOT NULL;
  CREATE INDEX IF NOT EXISTS actions_by_decision ON actions (decision_id) WHERE decision_id IS NOT NULL;
  CREATE INDEX IF NOT EXISTS actions_finished ON actions (updated_at) WHERE state IN ('succeeded', 'failed', 'denied', 'expired');
  CREATE INDEX IF NOT EXISTS capability_uses_by_action ON capability_uses (action_id);
  CREATE INDEX IF NOT EXISTS notify_queue_done ON notify_queue (done_at) WHERE done_at IS NOT NULL;
  CREATE INDEX IF NOT EXISTS notify_log_closed ON notify_log (created_at) WHERE state IN ('sent', 'digested');
  CREATE INDEX IF NOT EXISTS notify_deliveries_by_time ON notify_deliveries (at);
  CREATE INDEX IF NOT EXISTS model_usage_by_time ON model_usage (at);
  ` },
  // Coalescing on a team (issue 19 with issue 14's github.coalesceSeconds): the subject a
  // delivery is decided together on (a CI run's head SHA, an issue or pull request),
  // computed by the node that took it in, so that any node can claim a whole group by it
  // (src/store/pg/inbox-groups.ts). Rows stored before have none: decided alone.
  { id: 'pg-012-coalesce-key', sql: `
  ALTER TABLE inbox ADD COLUMN IF NOT EXISTS coalesce_key text CHECK (length(coalesce_key) BETWEEN 1 AND 300);
  CREATE INDEX IF NOT EXISTS inbox_coalescing ON inbox (coalesce_key, received_at)
    WHERE state IN ('pending', 'claimed') AND coalesce_key IS NOT NULL;
  ` },
  // The login limits counted across nodes (src/web/login-guard.ts): the failures of the
  // last window, each node's login form and Bearer checks reading and adding to them.
  // Only admitted failures are added, and the aggregate limit caps those per window, so
  // the table stays a few dozen rows; each insert deletes what left the window.
  { id: 'pg-013-login-failures', sql: `
  CREATE TABLE login_failures (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    address text NOT NULL CHECK (length(address) <= 80),
    at      bigint NOT NULL
  );
  CREATE INDEX login_failures_at ON login_failures (at);
  ` },
  // Quiet ticks on a team (issue 19): a slot found quiet keeps its row in `ticks` with no
  // event, so a slot is looked at once across holders; the mark of the last decided tick
  // (the quiet-tick rule's baseline) is one row, written in the transaction that decides
  // the tick, so the node that takes the tick role over compares with what the team saw.
  { id: 'pg-011-tick-baseline', sql: `
  ALTER TABLE ticks ALTER COLUMN event_id DROP NOT NULL;
  CREATE INDEX ticks_quiet ON ticks (enqueued_at) WHERE event_id IS NULL;
  CREATE TABLE tick_baseline (
    id         smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    mark       jsonb,
    event_id   bigint,
    decided_by text,
    decided_at bigint
  );
  INSERT INTO tick_baseline (id) VALUES (1);
  ` },
  // Reminders on a team (issue 19): one row per `remind` action (its id the key, so a retried
  // action adds none), fired by whichever node looks first once due — the row locked, its
  // tick event inserted and `fired_at` set in one transaction, so it fires once (reminders.ts).
  // No foreign key to actions or inbox: retention prunes those on their own clocks.
  { id: 'pg-014-reminders', sql: `
  CREATE TABLE reminders (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    action_id  text NOT NULL UNIQUE,
    due_at     bigint NOT NULL,
    note       text NOT NULL,
    created_at bigint NOT NULL,
    node       text NOT NULL,
    fired_at   bigint,
    fired_by   text,
    event_id   bigint UNIQUE,
    CHECK ((fired_at IS NULL) = (event_id IS NULL) AND (fired_at IS NULL) = (fired_by IS NULL))
  );
  CREATE INDEX reminders_due ON reminders (due_at) WHERE fired_at IS NULL;
  CREATE INDEX reminders_fired ON reminders (fired_at) WHERE fired_at IS NOT NULL;
  ` },
  // The owner's answer to an instruction (\`vigil ask\` on a team): written with its decision
  // by whichever node decided it, read by the node whose POST /api/ask waits for it.
  { id: 'pg-015-owner-answers', sql: `
  ALTER TABLE decisions ADD COLUMN answer jsonb;
  ` },
  // A node's test notification (POST /api/push/test): queued like any notice, sent by
  // whichever node's worker claims it, its outcome kept a day for the node that waits. And
  // alerts (a redelivery refused again: the setting to change), queued by the sweep.
  { id: 'pg-016-notify-tests', sql: `
  ALTER TABLE notify_queue DROP CONSTRAINT notify_queue_kind_check;
  ALTER TABLE notify_queue ADD CONSTRAINT notify_queue_kind_check CHECK (kind IN ('approval', 'digest', 'test', 'alert'));
  CREATE TABLE notify_tests (
    key    text PRIMARY KEY,
    result jsonb NOT NULL,
    at     bigint NOT NULL
  );
  ` },
  // The login the team's workers act as on GitHub, as GitHub named it on their last write:
  // a delivery sent by it is vigil's own on every node (src/store/pg/acting-login.ts).
  { id: 'pg-019-acting-login', sql: `
  ALTER TABLE team ADD COLUMN acting_login text;
  ALTER TABLE team ADD COLUMN acting_login_at bigint;
  ` },
  // \`vigil cancel ID\` on a team: the owner's request to stop a running agent task, in the
  // action's own row — set from any machine's CLI, polled by the worker running the task
  // (src/store/pg/agent-cancel.ts), pruned with the action.
  { id: 'pg-017-agent-cancel', sql: `
  ALTER TABLE actions ADD COLUMN cancel_requested_at bigint;
  ` },
  // Refused webhook deliveries (issue 20) on a team: each node's counts per minute for the
  // last day, one row per node, replaced with each of its `webhook.rejected` lines
  // (src/store/pg/rejections.ts), so \`vigil status\` and \`vigil doctor\` add up every node's.
  { id: 'pg-020-webhook-rejections', sql: `
  CREATE TABLE webhook_rejections (
    node        text PRIMARY KEY,
    minutes     jsonb NOT NULL,
    notified_at bigint,
    saved_at    bigint NOT NULL
  );
  ` },
  // Rule suggestions on a team (issue 15 on PostgreSQL): offered after a run of the owner's
  // approvals whichever node or CLI took them, their notice queued with them and sent by
  // one node's worker (\`rule\` notices), accepted once through the capability link on any
  // node — the token's nonce spent in \`capability_uses\`, which now names an action or a
  // suggestion (src/store/pg/rule-suggestions.ts).
  { id: 'pg-021-rule-suggestions', sql: `
  CREATE TABLE rule_suggestions (
    id          text PRIMARY KEY,
    action      text NOT NULL,
    repo        text NOT NULL,
    approvals   integer NOT NULL,
    state       text NOT NULL CHECK (state IN ('offered', 'accepted')),
    created_at  bigint NOT NULL,
    expires_at  bigint NOT NULL,
    answered_at bigint,
    answered_by text
  );
  CREATE INDEX rule_suggestions_by_pair ON rule_suggestions (action, repo, created_at);
  CREATE INDEX actions_answered ON actions (action, repo, answered_at) WHERE answered_at IS NOT NULL;
  ALTER TABLE capability_uses ALTER COLUMN action_id DROP NOT NULL;
  ALTER TABLE capability_uses ADD COLUMN suggestion_id text REFERENCES rule_suggestions(id);
  ALTER TABLE capability_uses ADD CONSTRAINT capability_uses_one_subject CHECK ((action_id IS NULL) <> (suggestion_id IS NULL));
  ALTER TABLE notify_queue DROP CONSTRAINT notify_queue_kind_check;
  ALTER TABLE notify_queue ADD CONSTRAINT notify_queue_kind_check CHECK (kind IN ('approval', 'digest', 'test', 'alert', 'rule'));
  ` },
  // \`vigil dream --now\` on a team (src/daemon/team-dreamer.ts): the dream under way — its
  // id, the node and process dreaming, since when, and the backend holding the dreamer
  // role for it (a dream whose backend no longer holds the role died with it) — and the
  // owner's request for a dream, which the role's holder dreams whichever node took it.
  { id: 'pg-022-dream-now', sql: `
  ALTER TABLE dream_state ADD COLUMN dreaming_id text;
  ALTER TABLE dream_state ADD COLUMN dreaming_node text;
  ALTER TABLE dream_state ADD COLUMN dreaming_pid integer;
  ALTER TABLE dream_state ADD COLUMN dreaming_since bigint;
  ALTER TABLE dream_state ADD COLUMN dreaming_backend integer;
  ALTER TABLE dream_state ADD COLUMN requested_id text;
  ALTER TABLE dream_state ADD COLUMN requested_by text;
  ALTER TABLE dream_state ADD COLUMN requested_at bigint;
  ` },
  // Each channel's last outcome on a team (issue 16 on PostgreSQL): whichever node's worker
  // sent last says whether the channel works, so \`vigil status\` on any home of the team
  // names a failing channel as a single daemon's does (kv \`notify.channels.last\` there).
  { id: 'pg-023-channel-outcomes', sql: `
  CREATE TABLE notify_channels (
    channel text PRIMARY KEY,
    ok      boolean NOT NULL,
    error   text,
    at      bigint NOT NULL,
    node    text NOT NULL
  );
  ` },
  // The Tasks page on a team (src/web/team-tasks.ts): an agent task's model calls named
  // by its action in the usage ledger (the worker that runs it records them under its
  // node), so any node shows the task's turns, tokens and cost; and the page's newest
  // agent tasks read by an index rather than a scan of every action, each second.
  { id: 'pg-024-agent-task-usage', sql: `
  ALTER TABLE model_usage ADD COLUMN action_id text;
  CREATE INDEX model_usage_by_action ON model_usage (action_id) WHERE action_id IS NOT NULL;
  CREATE INDEX actions_agent_tasks ON actions (created_at) WHERE action = 'agent.task';
  ` },
];

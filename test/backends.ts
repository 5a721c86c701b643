/**
 * What the backend switch (VIGIL_TEST_STORE=postgres, test/helpers/backend.ts) does not run
 * yet on PostgreSQL, file by file, each with why. vitest.config.ts leaves these out of the
 * PostgreSQL run and prints this list, so that what does not run is never silent.
 *
 * Two kinds of reason: "about SQLite itself" (the file tests SQLite's own behaviour: its
 * busy lock, the spool beside vigil.db, the file layout of a home) — these stay; and
 * "node gap: …" — what a team node does not do yet, to be closed. Tests inside a file that
 * runs are left out one by one with `sqliteOnly(reason)` (test/helpers/backend.ts).
 *
 * test/store/pg is not in the PostgreSQL run either: those files are PostgreSQL's already,
 * each on a cluster of its own.
 */

export const NOT_ON_POSTGRES: Readonly<Record<string, string>> = {
  // ── intake, logs, status, doctor, service, e2e (group A)
  'test/e2e/clock.test.ts':
    'about the SQLite daemon itself: it runs src/daemon Daemon in-process under a fake clock and vi fake timers and verifies logs/<day>.jsonl across midnight (a node in-process under fake timers is not built: its pool and role locks run on real timers)',
  'test/security/intake-store-failure.test.ts':
    'about SQLite itself: a writer holding vigil.db\'s lock (SQLITE_BUSY) at the intake, a body in the spool beside vigil.db whose row never committed, a full disk under the spool',
  'test/security/store-busy.test.ts':
    'about SQLite itself: another process holding vigil.db\'s write lock (SQLITE_BUSY), and the daemon staying responsive through it',
  'test/security/web-dashboard-tail.test.ts':
    'about the daily file: the dashboard reads only the tail of a ~50 MB logs/<day>.jsonl (a node reads its recent lines from log_entries by index, and the test seeds the file)',
  'test/webhooks/spool-recovery.test.ts':
    'about SQLite itself: the spool beside vigil.db, a body spooled before its inbox row committed, indexed at the next start',

  // ── web pages and API, notifications, operations (group B)

  // ── decisions, model, agent, dreams, GitHub hands, memory, ticks (group C)
  'test/agent/external.test.ts':
    'about SQLite itself: runApprovedTask (test/agent/fixture.ts) runs the SQLite worker’s ActionRunner in this process on vigil.db, the home’s `vigil cancel` reads its kv; a node’s agent.task and cancel are test/store/pg/team-agent.test.ts',
  'test/agent/task.test.ts':
    'about SQLite itself: runApprovedTask (test/agent/fixture.ts) runs the SQLite worker’s ActionRunner in this process on vigil.db, and the transcript is looked for in the home’s search index; a node’s agent.task is test/store/pg/team-agent.test.ts',
  'test/dream/scheduler.test.ts':
    'about SQLite itself: the single daemon’s DreamScheduler in this process over vigil.db and the daily files, with a fake clock; a node’s dreamer (src/daemon/team-dreamer.ts) is test/store/pg/team-dream*.test.ts',
};

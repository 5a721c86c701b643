/**
 * A team's dream in process against a real cluster (issue 19): the gate over the team's
 * tables, the marks (a second dream reads only what came after the first), and the
 * commit's fence (a dream another one overtook writes nothing).
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/clock.js';
import { runTeamDream, teamDreamDue } from '../../../src/dream/index.js';
import { eventRecord } from '../../../src/events.js';
import { PermissionsConfig } from '../../../src/config/index.js';
import { answerTeamApproval } from '../../../src/initiative/index.js';
import { maskSecrets } from '../../../src/secrets/index.js';
import { PgStore } from '../../../src/store/pg/index.js';
import { REPO } from '../../github/helpers.js';
import { postgresAvailability, usePostgres } from '../../helpers/postgres.js';

const PG = postgresAvailability();
const T0 = Date.parse('2026-03-02T10:00:00Z');
const DREAM = { idleMinutes: 30, minHours: 0, staleDays: 60 };

describe.runIf(PG.available)('a team\'s dream in process (real PostgreSQL)', () => {
  const pg = usePostgres('team_dream_commit');
  let databases = 0;

  async function team() {
    const name = `commit_${++databases}`;
    const url = await pg.cluster.createDatabase(name);
    const clock = new FakeClock(T0);
    const store = await PgStore.open({ url, node: 'alpha', clock });
    const sql = (text: string, params: unknown[] = []) => pg.cluster.admin<Record<string, unknown>>(text, params, name);
    /** An issue opened by `login`: its inbox row and its `event.received` line on alpha's chain. */
    const received = async (n: number, login: string) => {
      const body = JSON.stringify({ action: 'opened', issue: { number: n }, repository: { full_name: REPO }, sender: { login } });
      const id = Number((await sql(
        `INSERT INTO inbox (source, kind, body, received_at, received_by, state) VALUES ('github', 'github.issues.opened', $1, $2, 'alpha', 'decided') RETURNING id`,
        [Buffer.from(body), clock.now()],
      )).rows[0]!.id);
      await store.transaction((tx) => store.log.append(tx, [eventRecord('event.received', { eventId: id, source: 'github', kind: 'github.issues.opened' }, clock.now())]));
    };
    const memory = async () => (await sql(`SELECT DISTINCT ON (path) path, version, content FROM memory_files ORDER BY path, version DESC`)).rows;
    return { store, clock, sql, received, memory, url };
  }

  it('is due when idle with 20 news lines after the marks; a second dream reads only the lines after the first\'s marks', async () => {
    const { store, clock, received, memory } = await team();
    try {
      for (let n = 1; n <= 19; n++) await received(n, n % 2 ? 'ana' : 'bo');
      clock.advance(31 * 60_000);
      expect(await teamDreamDue(store, DREAM, clock.now())).toEqual({ due: false, reason: '19 new log entries since the last dream (at least 20)' });
      await received(20, 'bo');
      expect((await teamDreamDue(store, DREAM, clock.now())).due).toBe(false);
      clock.advance(31 * 60_000);
      expect(await teamDreamDue(store, DREAM, clock.now())).toEqual({ due: true, reason: 'idle, at least 20 new log entries' });

      const first = await runTeamDream({ store, clock, dream: DREAM, repos: [], trigger: 'manual' });
      // Twenty events and the dream's own dream.started.
      expect(first).toMatchObject({ entriesRead: 21, added: 1, topics: 1, filesWritten: 2, consolidator: 'rules' });
      const files = await memory();
      expect(files.map((f) => [f.path, f.version])).toEqual([['MEMORY.md', 1], ['topics/octo-app.md', 1]]);
      expect(String(files[1]!.content)).toContain('- Most active contributors: ana (10), bo (10)\n');
      // The dream's own lines are housekeeping: nothing new to dream about.
      expect((await teamDreamDue(store, DREAM, clock.now())).reason).toBe('0 new log entries since the last dream (at least 20)');

      await received(21, 'cy');
      const second = await runTeamDream({ store, clock, dream: DREAM, repos: [], trigger: 'manual' });
      // The first dream's dream.finished, the event, this dream's dream.started: not the twenty again.
      // The contributors' fact changed, and the index line that quotes it.
      expect(second).toMatchObject({ entriesRead: 3, updated: 1, filesWritten: 2 });
      const after = await memory();
      expect(after.map((f) => [f.path, f.version])).toEqual([['MEMORY.md', 2], ['topics/octo-app.md', 2]]);
      // The marks moved with the memory: what the first dream counted is not counted again.
      expect(String(after[1]!.content)).toContain('- Most active contributors: cy (1)\n');
    } finally {
      await store.close();
    }
  }, 60_000);

  it('the owner\'s answers, given through any node, become facts about the owner in topics/owner.md, counted from the team\'s actions whole at each dream; the reason is the owner\'s words, redacted and quoted as text', async () => {
    const { store, clock, sql, memory, url } = await team();
    // A second node's store: an answer through it is the team's as much as one through alpha.
    const beta = await PgStore.open({ url, node: 'beta', clock });
    try {
      let n = 0;
      /** An action the policy asked about, then the owner's answer through `node`'s store. */
      const answered = async (via: PgStore, action: string, repo: string, answer: 'approve' | 'deny', reason?: string) => {
        const id = `act-${++n}`;
        await sql(
          `INSERT INTO actions (id, action, params, repo, state, verdict, created_at, updated_at) VALUES ($1, $2, '{}', $3, 'awaiting_approval', 'ask', $4, $4)`,
          [id, action, repo, clock.now()],
        );
        clock.advance(60_000);
        await answerTeamApproval(via, clock, { id, answer, by: 'dashboard', ...(reason ? { reason } : {}) });
      };
      // A secret this process holds (as a node holds its own), pasted into a reason by mistake.
      const held = 'ghp_TeamDreamHeldSecret0123456789abcdefgh';
      maskSecrets([held]);
      await answered(store, 'github.label', REPO, 'approve');
      await answered(beta, 'github.label', REPO, 'approve');
      await answered(beta, 'github.close', REPO, 'deny', `never close "stale" issues <b>by hand</b> ${held}`);
      // The policy's own verdicts are not the owner's: an allowed action with no answer counts for nothing.
      await sql(`INSERT INTO actions (id, action, params, repo, state, verdict, created_at, updated_at) VALUES ('auto-1', 'github.label', '{}', $1, 'succeeded', 'allow', $2, $2)`, [REPO, clock.now()]);

      const first = await runTeamDream({ store, clock, dream: DREAM, repos: [], trigger: 'manual' });
      expect(first.added).toBe(2);
      const owner = String((await memory()).find((f) => f.path === 'topics/owner.md')?.content);
      expect(owner).toContain(`- github.label on ${REPO}: the owner approved it 2 times, never denied\n`);
      expect(owner).toContain(`  - source: the team's actions, the owner's answers to actions act-2, act-1`);
      const close = owner.split('\n').find((l) => l.startsWith(`- github.close on ${REPO}:`));
      expect(close).toMatch(/^- github\.close on octo\/app: the owner denies it \(once, never approved; last reason: "never close 'stale' issues <b>by hand<\/b> \[redacted\]"\)$/);
      expect(owner).not.toContain(held);
      expect(String((await memory()).find((f) => f.path === 'MEMORY.md')?.content)).toContain('owner');

      // A third answer: the fact about the pair is replaced with the table's new count, not added to.
      await answered(store, 'github.label', REPO, 'deny', 'not on weekends');
      const second = await runTeamDream({ store, clock, dream: DREAM, repos: [], trigger: 'manual' });
      expect(second.updated).toBeGreaterThanOrEqual(1);
      const after = String((await memory()).find((f) => f.path === 'topics/owner.md')?.content);
      expect(after).toContain(`- github.label on ${REPO}: the owner approved it 2 times and denied it once, last denied; last reason: "not on weekends"\n`);
      expect(after.match(/^- github\.label on /gm)).toHaveLength(1);
    } finally {
      await beta.close();
      await store.close();
    }
  }, 60_000);

  it('a dream that changed memory tells the owner in its own commit: a notify action the node\'s policy allowed, approved for any worker, with its line; denied by a policy that would ask; none when nothing changed', async () => {
    const { store, clock, sql, received } = await team();
    try {
      const digests = async () => (await sql(`SELECT id, state, verdict, params, reason FROM actions WHERE action = 'notify' ORDER BY created_at, id`)).rows;
      const lines = async (type: string) => Number((await sql(`SELECT count(*) AS n FROM log_entries WHERE type = $1`, [type])).rows[0]!.n);
      for (let n = 1; n <= 3; n++) await received(n, 'ana');
      const allow = PermissionsConfig.parse({ mode: 'auto', rules: [{ action: 'notify', decision: 'allow' }] });
      const first = await runTeamDream({ store, clock, dream: DREAM, repos: [], permissions: allow, trigger: 'manual' });
      expect(first.added).toBeGreaterThan(0);
      const [digest] = await digests();
      expect(digest).toMatchObject({ id: first.digestActionId, state: 'approved', verdict: 'allow' });
      const params = JSON.parse(String(digest!.params)) as { title: string; body: string; urgency: string };
      expect(params.title).toBe(`vigil dreamed: ${first.added} added, 0 updated, 0 removed, 0 stale`);
      expect(params.urgency).toBe('low');
      expect(params.body).toContain(REPO);
      expect(await lines('action.allowed')).toBe(1);

      // Nothing new: memory unchanged, no digest.
      clock.advance(60_000);
      const quiet = await runTeamDream({ store, clock, dream: DREAM, repos: [], permissions: allow, trigger: 'manual' });
      expect(quiet.added + quiet.updated + quiet.removed + quiet.stale).toBe(0);
      expect(await digests()).toHaveLength(1);

      // A policy that would ask about it: denied, not an approval to answer.
      await received(4, 'bo');
      const ask = PermissionsConfig.parse({ mode: 'auto', rules: [{ action: 'notify', decision: 'ask' }] });
      const third = await runTeamDream({ store, clock, dream: DREAM, repos: [], permissions: ask, trigger: 'manual' });
      expect(third.digestActionId).toBeUndefined();
      expect((await digests())[1]).toMatchObject({ state: 'denied', verdict: 'deny' });
      expect(String((await digests())[1]!.reason)).toMatch(/a dream digest does not wait for approval$/);
      expect(Number((await sql(`SELECT count(*) AS n FROM actions WHERE state = 'awaiting_approval'`)).rows[0]!.n)).toBe(0);
      expect(await lines('action.denied')).toBe(1);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('a dream overtaken by another\'s commit is refused, and writes neither memory, marks nor its line', async () => {
    const { store, clock, received, memory, sql } = await team();
    try {
      await received(1, 'ana');
      const stale = await store.dreams.state();
      const done = await runTeamDream({ store, clock, dream: DREAM, repos: [], trigger: 'manual' });
      const before = { memory: await memory(), state: await store.dreams.state() };
      await expect(store.dreams.commit(clock.now(), () => [{ path: 'topics/late.md', content: '# late\n' }], {
        dreamId: 'late', after: stale.lastDreamId, marks: {}, records: [eventRecord('dream.finished', { ...done, dreamId: 'late' }, clock.now())],
        // Its digest would go in the same transaction: refused with it.
        stage: async (client) => {
          await client.query(`INSERT INTO actions (id, action, params, state, verdict, created_at, updated_at) VALUES ('late-digest', 'notify', '{}', 'approved', 'allow', 1, 1)`);
          return [];
        },
      })).rejects.toMatchObject({ code: 'VIGIL_ERR_DREAM_BUSY' });
      expect((await sql(`SELECT count(*)::int AS n FROM actions WHERE id = 'late-digest'`)).rows[0]!.n).toBe(0);
      expect(await memory()).toEqual(before.memory);
      expect(await store.dreams.state()).toEqual(before.state);
      expect(before.state).toMatchObject({ lastDreamId: done.dreamId, dreamedBy: 'alpha' });
      expect((await sql(`SELECT count(*)::int AS n FROM log_entries WHERE line LIKE '%"dreamId":"late"%'`)).rows[0]!.n).toBe(0);
    } finally {
      await store.close();
    }
  }, 60_000);
});

/**
 * `vigil migrate`'s copy in process against a real cluster (issue 19): what it does with
 * a home's rough edges — a claimed event, an unterminated last log line, kept memory
 * versions — what it refuses rather than copy part of (an action left running, a line
 * torn mid-day, a memory file over the limit), that a refused copy writes nothing, and
 * that a second run notices a copy changed since; and what the home remembers beyond its
 * work — a rule suggestion (not offered again on the team, its link accepted there, its
 * notice not sent yet queued for the team's workers), the
 * usage ledger (today's spend goes on) and the dream's mark (the team's next dream reads
 * only what the home's would have).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock, localDate } from '../../../src/clock.js';
import { parseConfig } from '../../../src/config/load.js';
import { teamDreamDue } from '../../../src/dream/index.js';
import { answerTeamApproval } from '../../../src/initiative/index.js';
import { DailyLog } from '../../../src/logs/daily-log.js';
import { MemoryFiles, memoryVersions } from '../../../src/memory/index.js';
import { secretMask } from '../../../src/secrets/index.js';
import { acceptTeamRuleSuggestion, considerTeamRuleSuggestion } from '../../../src/operations/team-rule-suggestions.js';
import { migrateHome, Store } from '../../../src/store/index.js';
import { openPgPool, PgStore } from '../../../src/store/pg/index.js';
import { pgUsageTotals } from '../../../src/store/pg/usage.js';
import { writePgMemory, type PgMemoryChange } from '../../../src/store/pg/memory.js';
import { postgresAvailability, usePostgres } from '../../helpers/postgres.js';

const PG = postgresAvailability();
const T0 = Date.parse('2026-04-02T09:00:00Z');
const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

interface Home {
  dir: string;
  paths: { db: string; logs: string; memory: string };
}

/** A home with two events (the second claimed, as a daemon stopped mid-decision leaves it), a day of log and a memory file with a kept version. */
async function makeHome(): Promise<Home> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-migrate-home-'));
  dirs.push(dir);
  const paths = { db: path.join(dir, 'vigil.db'), logs: path.join(dir, 'logs'), memory: path.join(dir, 'memory') };
  const clock = new FakeClock(T0);
  const store = Store.open(paths.db);
  store.inbox.add({ source: 'github', kind: 'github.issues.opened', deliveryId: 'd-1', payload: '{"issue":{"title":"walrus"}}', receivedAt: T0 });
  store.inbox.add({ source: 'github', kind: 'github.push', deliveryId: 'd-2', payload: '{"ref":"refs/heads/main"}', receivedAt: T0 + 1 });
  store.inbox.claimNext(T0 + 2, 60_000);
  store.inbox.claimNext(T0 + 2, 60_000);
  store.close();
  const log = new DailyLog({ dir: paths.logs, clock, mask: secretMask() });
  log.appendMany([{ type: 'daemon.started' }, { type: 'event.received', eventId: 1 }]);
  log.close();
  const files = new MemoryFiles(paths.memory, undefined, clock);
  await files.write('MEMORY.md', '# Memory\n- first\n');
  clock.advance(1000);
  await files.write('MEMORY.md', '# Memory\n- second\n');
  return { dir, paths };
}

describe.runIf(PG.available)('vigil migrate in process (real PostgreSQL)', () => {
  const pg = usePostgres('migrate_home');
  let n = 0;
  const freshDb = async () => pg.cluster.createDatabase(`copy_${++n}`);
  const run = (home: Home, url: string) =>
    migrateHome({ paths: home.paths, url, node: 'alpha', progress: () => undefined, memory: () => memoryVersions(home.paths.memory) });
  const rows = async (url: string, sql: string) => {
    const name = new URL(url).pathname.slice(1);
    return (await pg.cluster.admin(sql, [], name)).rows;
  };

  it('copies a claimed event as pending, leaves an unterminated last line out and says so, keeps memory versions; a second run notices an edit', async () => {
    const home = await makeHome();
    const day = localDate(T0);
    fs.appendFileSync(path.join(home.paths.logs, `${day}.jsonl`), '{"ts":"2026-04-02T09:00:05');
    const url = await freshDb();
    const report = await run(home, url);
    expect(report).toMatchObject({ outcome: 'copied', inbox: { rows: 2 }, log: { rows: 2, days: 1, chainsVerified: 1, droppedTornTails: [day] }, memory: { rows: 2, files: 1 } });
    expect(await rows(url, 'SELECT id, state, claimed_by, attempts FROM inbox ORDER BY id')).toEqual([
      { id: '1', state: 'pending', claimed_by: null, attempts: 1 },
      { id: '2', state: 'pending', claimed_by: null, attempts: 1 },
    ]);
    expect(await rows(url, 'SELECT version, content FROM memory_files ORDER BY version')).toEqual([
      { version: 1, content: '# Memory\n- first\n' },
      { version: 2, content: '# Memory\n- second\n' },
    ]);
    // The next delivery a node takes gets a new id, after the copied ones.
    await rows(url, `INSERT INTO inbox (source, kind, body, received_at, received_by) VALUES ('github', 'github.ping', '\\x7b7d', 1, 'beta')`);
    expect(await rows(url, `SELECT id FROM inbox WHERE kind = 'github.ping'`)).toEqual([{ id: '3' }]);
    await expect(run(home, url)).rejects.toMatchObject({ code: 'VIGIL_ERR_MIGRATE_TARGET', message: expect.stringMatching(/inbox: 3 rows, the home has 2/) });
  });

  it('a second run into an untouched copy checks it again; an edited row is found', async () => {
    const home = await makeHome();
    const url = await freshDb();
    expect((await run(home, url)).outcome).toBe('copied');
    expect((await run(home, url)).outcome).toBe('already');
    await rows(url, `UPDATE inbox SET kind = 'github.issues.closed' WHERE id = 1`);
    await expect(run(home, url)).rejects.toMatchObject({
      code: 'VIGIL_ERR_MIGRATE_TARGET',
      message: expect.stringMatching(/holds something else than this home: inbox: the rows differ from the home's; copy into an empty database$/),
    });
  });

  it('refuses, writing nothing: an action left running, a line torn mid-day, a memory file over 100 KB', async () => {
    const running = await makeHome();
    const db = Store.open(running.paths.db);
    db.db.prepare(`INSERT INTO actions (id, action, params, state, verdict, created_at, updated_at) VALUES ('a1', 'github.label', '{}', 'running', 'allow', 1, 1)`).run();
    db.close();
    const torn = await makeHome();
    const file = path.join(torn.paths.logs, `${localDate(T0)}.jsonl`);
    fs.appendFileSync(file, '{"ts":"torn');
    // The next writer terminates the torn line and names it with log.torn: the day verifies, but holds a line that is no entry.
    const reopened = new DailyLog({ dir: torn.paths.logs, clock: new FakeClock(T0 + 5000), mask: secretMask() });
    reopened.append({ type: 'daemon.started' });
    reopened.close();
    const big = await makeHome();
    fs.writeFileSync(path.join(big.paths.memory, 'MEMORY.md'), 'x'.repeat(100 * 1024 + 1));
    for (const [home, why] of [
      [running, /1 actions were running when the home stopped/],
      [torn, /lines 3 were torn by a crash; the team's log keeps entries only/],
      [big, /memory\/MEMORY\.md: 102401 bytes, over the 102400 a memory file holds/],
    ] as const) {
      const url = await freshDb();
      await expect(run(home, url)).rejects.toMatchObject({ code: 'VIGIL_ERR_MIGRATE_SOURCE', message: expect.stringMatching(why) });
      // Refused before the database was touched, or rolled back with the copy's transaction.
      if ((await rows(url, `SELECT to_regclass('public.inbox') AS t`))[0]!.t === null) continue;
      for (const table of ['inbox', 'decisions', 'actions', 'memory_files', 'log_entries', 'rule_suggestions', 'model_usage']) {
        expect(await rows(url, `SELECT count(*)::int AS n FROM ${table}`), table).toEqual([{ n: 0 }]);
      }
    }
  });
  it('carries the rule suggestions, the usage ledger and the dream\'s mark: no second offer, the link accepted, the day\'s spend and the next dream go on', async () => {
    const home = await makeHome();
    const day = localDate(T0);
    const db = Store.open(home.paths.db);
    // Five approvals of a label on octo/app, then the offer they earned (open for a week).
    for (let i = 1; i <= 5; i++) {
      db.db.prepare(`INSERT INTO actions (id, action, params, repo, state, verdict, created_at, updated_at, answered_at) VALUES (?, 'github.label', '{}', 'octo/app', 'succeeded', 'ask', ?, ?, ?)`)
        .run(`a${i}`, T0 + i, T0 + i, T0 + i);
    }
    const offered = db.ownerAnswers.offer({ action: 'github.label', repo: 'octo/app', approvals: 5 }, T0 + 10, T0 + 7 * 86_400_000);
    const accepted = db.ownerAnswers.offer({ action: 'github.comment', repo: 'octo/app', approvals: 5 }, T0 + 11, T0 + 7 * 86_400_000);
    db.ownerAnswers.accept(accepted.id, T0 + 12);
    // The owner's questions the worker had not sent when the home stopped go; a sent notice, and a test notice, stay.
    db.notifications.enqueueNotice('test:1', 'test', {}, T0 + 9);
    db.db.prepare('UPDATE notify_queue SET done_at = ? WHERE key = ?').run(T0 + 9, 'test:1');
    db.notifications.enqueueNotice(`rule:${offered.id}`, 'rule', { suggestionId: offered.id }, T0 + 10);
    db.notifications.enqueueNotice('approval:a7', 'approval', { actionId: 'a7' }, T0 + 13);
    db.notifications.enqueueNotice('test:2', 'test', {}, T0 + 14);
    const call = (model: string, inputTokens: number) => ({ provider: 'anthropic', model, purpose: 'event', eventId: 1, usage: { inputTokens, outputTokens: 7, cacheCreationTokens: 0, cacheReadTokens: 3 }, durationMs: 812 });
    db.usage.record(call('claude-a', 120), T0 + 20);
    db.usage.record(call('claude-a', 80), T0 + 21);
    db.usage.record(call('claude-b', 5), T0 + 22);
    const spent = db.usage.totals(day);
    // The last dream read the day's first line: the watermark is the offset just past it.
    const first = fs.readFileSync(path.join(home.paths.logs, `${day}.jsonl`), 'utf8').split('\n')[0]!;
    db.kv.set('dream.state', { lastDreamAt: T0 + 30, lastDreamId: 'dream-home', watermark: { date: day, offset: Buffer.byteLength(first) + 1 }, lastFailedAt: null, lastFailure: null });
    db.close();

    const url = await freshDb();
    const report = await run(home, url);
    expect(report).toMatchObject({ outcome: 'copied', suggestions: { rows: 2 }, usage: { rows: 3 }, dream: { rows: 1 }, notices: { rows: 2 } });
    expect(report.leftBehind).toEqual(expect.arrayContaining([{ table: 'notify_queue (sent, or no question)', rows: 2 }]));
    expect(report.leftBehind.map((t) => t.table)).not.toContain('rule_suggestions');
    expect(await rows(url, 'SELECT key, kind, payload, created_at, done_at FROM notify_queue ORDER BY id')).toEqual([
      { key: `rule:${offered.id}`, kind: 'rule', payload: { suggestionId: offered.id }, created_at: String(T0 + 10), done_at: null },
      { key: 'approval:a7', kind: 'approval', payload: { actionId: 'a7' }, created_at: String(T0 + 13), done_at: null },
    ]);
    expect((await run(home, url)).outcome).toBe('already');

    const clock = new FakeClock(T0 + 3_600_000);
    const team = await PgStore.open({ url, node: 'alpha', clock, leaseSeconds: 30 });
    try {
      // Today's spend is the home's.
      expect(await pgUsageTotals(team.pool, day)).toEqual(spent);
      // Before the team writes a line: the dream's mark is alpha's chain at the day's first line, so the next dream reads the second only; the gate counts from the home's last dream.
      const state = await team.dreams.state();
      expect(state).toMatchObject({ lastDreamAt: T0 + 30, lastDreamId: 'dream-home', dreamedBy: 'alpha', marks: { alpha: { day, seq: 1 } } });
      expect((await team.dreams.linesSince(state.marks, 100)).filter((l) => l.node === 'alpha').map((l) => [l.day, l.seq])).toEqual([[day, 2]]);
      expect(await teamDreamDue(team, parseConfig({ dream: { minHours: 2 } }).dream, clock.now())).toMatchObject({ due: false, reason: expect.stringMatching(/^the last dream was 59 min ago/) });
      // A sixth approval on the team: the home's offer is still open, so none is made again.
      await team.transaction((tx) =>
        team.actions.insert(tx, { id: 'a6', action: 'github.label', params: { repo: 'octo/app', number: 1, labels: ['x'] }, rationale: '', repo: 'octo/app', state: 'awaiting_approval', verdict: 'ask', reason: 'asks', expiresAt: clock.now() + 86_400_000 }),
      );
      const approved = await answerTeamApproval(team, clock, { id: 'a6', answer: 'approve', by: 'cli' });
      if (approved === 'used') throw new Error('no token was given');
      const permissions = parseConfig({ permissions: { mode: 'auto', rules: [] } }).permissions;
      expect(await considerTeamRuleSuggestion(team, clock, permissions, approved)).toBeUndefined();
      expect(await rows(url, `SELECT id, state, answered_by FROM rule_suggestions ORDER BY created_at`)).toEqual([
        { id: offered.id, state: 'offered', answered_by: null },
        { id: accepted.id, state: 'accepted', answered_by: 'alpha' },
      ]);
      // The home's link names its suggestion: accepted on the team, the rule into the node's config.json.
      const configFile = path.join(home.dir, 'config.json');
      fs.writeFileSync(configFile, JSON.stringify({ permissions: { mode: 'auto', rules: [] } }));
      const took = await acceptTeamRuleSuggestion(team, clock, { configFile, id: offered.id, nonce: 'home-link', by: 'push' });
      expect(took).toMatchObject({ added: true, suggestion: { id: offered.id, state: 'accepted' }, rule: { action: 'github.label', repo: 'octo/app', decision: 'allow' } });
      await expect(acceptTeamRuleSuggestion(team, clock, { configFile, id: accepted.id, nonce: 'home-link-2', by: 'push' })).rejects.toMatchObject({ code: 'VIGIL_ERR_SUGGESTION_CLOSED' });
    } finally {
      await team.close();
    }
  });

  it('a memory write of several files is all or none: a second file over the limit leaves the first unwritten', async () => {
    const home = await makeHome();
    const url = await freshDb();
    await run(home, url);
    const pool = openPgPool({ url, node: 'writer' });
    try {
      const write = (changes: PgMemoryChange[]) => writePgMemory(pool, 'writer', T0 + 10_000, () => changes);
      await expect(write([{ path: 'MEMORY.md', content: '# Memory\n- third\n' }, { path: 'topics/big.md', content: 'x'.repeat(100 * 1024 + 1) }]))
        .rejects.toMatchObject({ code: 'VIGIL_ERR_MEMORY_COMMAND' });
      expect(await rows(url, 'SELECT path, version FROM memory_files ORDER BY path, version')).toEqual([{ path: 'MEMORY.md', version: 1 }, { path: 'MEMORY.md', version: 2 }]);
      expect(await write([{ path: 'MEMORY.md', content: '# Memory\n- third\n' }, { path: 'topics/a.md', content: '# a\n' }, { path: 'MEMORY.md', content: '# Memory\n- third\n' }])).toEqual(['MEMORY.md', 'topics/a.md']);
      expect(await rows(url, `SELECT path, version, written_by FROM memory_files WHERE written_at = ${T0 + 10_000} ORDER BY path`)).toEqual([
        { path: 'MEMORY.md', version: 3, written_by: 'writer' },
        { path: 'topics/a.md', version: 1, written_by: 'writer' },
      ]);
    } finally {
      await pool.end();
    }
  });
});

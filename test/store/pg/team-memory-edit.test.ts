/**
 * The owner's edit of a fact on a team (issue 19), in process against a real cluster: the
 * Memory page's write (`editTeamMemoryFact`) under the team's memory lock. Two nodes
 * editing one fact at once: one writes, the other is refused with nothing written. An edit
 * while a dream runs: the edit commits, the dream is refused at its commit and writes
 * nothing, and the next dream keeps the owner's words. A file the edit would take past the
 * memory's limit: refused whole.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/clock.js';
import { runTeamDream } from '../../../src/dream/index.js';
import { RulesConsolidator } from '../../../src/dream/rules-consolidator.js';
import { parseTopic, renderIndex } from '../../../src/memory/index.js';
import { editTeamMemoryFact } from '../../../src/operations/index.js';
import { PgStore } from '../../../src/store/pg/index.js';
import { postgresAvailability, usePostgres } from '../../helpers/postgres.js';

const PG = postgresAvailability();
const T0 = Date.parse('2026-03-02T10:00:00Z');
const DREAM = { idleMinutes: 30, minHours: 0, staleDays: 60 };
const FACT = 'Deploys go out on Tuesdays.';

function topicText(facts: readonly string[]): string {
  return ['# deploys', '', ...facts.flatMap((f, i) => [`- ${f}`, `  - source: log alpha/2026-03-01#${i + 1}`, '  - confirmed: 2026-03-01']), ''].join('\n');
}

describe.runIf(PG.available)("the owner's edit of a team's memory (real PostgreSQL)", () => {
  const pg = usePostgres('team_memory_edit');
  let databases = 0;

  /** Two nodes on a fresh database, memory holding one topic of `facts`. */
  async function team(facts: readonly string[] = [FACT, 'Staging is rebuilt nightly.']) {
    const name = `edit_${++databases}`;
    const url = await pg.cluster.createDatabase(name);
    const clock = new FakeClock(T0);
    const alpha = await PgStore.open({ url, node: 'alpha', clock });
    const beta = await PgStore.open({ url, node: 'beta', clock });
    const topic = topicText(facts);
    await alpha.writeMemory(clock.now(), () => [
      { path: 'topics/deploys.md', content: topic },
      { path: 'MEMORY.md', content: renderIndex([parseTopic('deploys', topic, '2026-03-01')]) },
    ]);
    const sql = (text: string, params: unknown[] = []) => pg.cluster.admin<Record<string, unknown>>(text, params, name);
    const versions = async () => (await sql(`SELECT path, version, written_by FROM memory_files ORDER BY path, version`)).rows;
    const edits = async () => (await sql(`SELECT node, line FROM log_entries WHERE type = 'memory.edited' ORDER BY node`)).rows;
    const close = async () => {
      await alpha.close();
      await beta.close();
    };
    return { alpha, beta, clock, sql, versions, edits, close };
  }

  it('two nodes edit one fact at once: the memory lock serves them in turn, one writes and the other is refused, nothing half-written', async () => {
    const { alpha, beta, clock, versions, edits, close } = await team();
    try {
      const results = await Promise.allSettled([
        editTeamMemoryFact({ store: alpha, clock }, { topic: 'deploys', index: 0, was: FACT, text: 'Deploys go out on Wednesdays.' }),
        editTeamMemoryFact({ store: beta, clock }, { topic: 'deploys', index: 0, was: FACT, text: 'Deploys go out on Thursdays.' }),
      ]);
      const written = results.filter((r) => r.status === 'fulfilled');
      const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as { code?: string; message?: string }] : []));
      expect(written).toHaveLength(1);
      expect(refused).toHaveLength(1);
      expect(refused[0]).toMatchObject({ code: 'VIGIL_ERR_MEMORY_CONFLICT' });
      expect(refused[0]!.message).toContain('fact #1 of topics/deploys.md reads differently now');
      // One new version of the topic (and of the index that quotes it), by the node that wrote; one line, on its chain.
      const winner = results[0]!.status === 'fulfilled' ? 'alpha' : 'beta';
      expect((await versions()).filter((v) => v.path === 'topics/deploys.md').map((v) => [v.version, v.written_by])).toEqual([[1, 'alpha'], [2, winner]]);
      expect((await edits()).map((e) => e.node)).toEqual([winner]);
      const text = await alpha.memoryFile('topics/deploys.md');
      expect(text).toContain(winner === 'alpha' ? '- Deploys go out on Wednesdays.' : '- Deploys go out on Thursdays.');
      expect(await alpha.memoryFile('MEMORY.md')).toBe(renderIndex([parseTopic('deploys', text!, '2026-03-02')]));
    } finally {
      await close();
    }
  }, 60_000);

  it('an edit while a dream runs: the edit commits, the dream is refused at its commit and writes nothing; the next dream keeps the owner\'s fact', async () => {
    const { alpha, beta, clock, versions, edits, sql, close } = await team();
    try {
      // The dream has read memory (orient) and consolidates when the owner's edit, through beta, commits.
      let edited: unknown;
      const consolidator = {
        name: 'rules',
        consolidate: async (...args: Parameters<RulesConsolidator['consolidate']>) => {
          edited = await editTeamMemoryFact({ store: beta, clock }, { topic: 'deploys', index: 0, was: FACT, text: 'Deploys go out on Fridays.' });
          return new RulesConsolidator().consolidate(...args);
        },
      };
      await expect(runTeamDream({ store: alpha, clock, dream: DREAM, repos: [], trigger: 'manual', consolidator })).rejects.toMatchObject({
        code: 'VIGIL_ERR_DREAM_FAILED',
        message: expect.stringContaining('memory changed while the dream ran'),
      });
      expect(edited).toMatchObject({ file: 'topics/deploys.md', op: 'edit' });
      // Memory is the edit's: the dream wrote no version of anything.
      expect((await versions()).map((v) => [v.path, v.version, v.written_by])).toEqual([['MEMORY.md', 1, 'alpha'], ['MEMORY.md', 2, 'beta'], ['topics/deploys.md', 1, 'alpha'], ['topics/deploys.md', 2, 'beta']]);
      expect((await edits()).map((e) => e.node)).toEqual(['beta']);
      expect((await sql(`SELECT count(*)::int AS n FROM log_entries WHERE type = 'dream.finished'`)).rows[0]!.n).toBe(0);
      expect((await sql(`SELECT count(*)::int AS n FROM log_entries WHERE type = 'dream.failed'`)).rows[0]!.n).toBe(1);

      // The next dream reads the edit and keeps it: the owner is its source.
      await runTeamDream({ store: alpha, clock, dream: DREAM, repos: [], trigger: 'manual' });
      const topic = parseTopic('deploys', (await alpha.memoryFile('topics/deploys.md'))!, '2026-03-02');
      expect(topic.facts[0]).toMatchObject({ text: 'Deploys go out on Fridays.', source: 'owner 2026-03-02' });
    } finally {
      await close();
    }
  }, 60_000);

  it('an edit that would take its topic past 100 KB is refused whole: no version, no line', async () => {
    // Facts of 900 characters up to just under the limit, the first a short one.
    const long = (i: number) => `Fact ${String(i).padStart(3, '0')} ${'x'.repeat(890)}.`;
    const facts = ['Short.'];
    while (Buffer.byteLength(topicText([...facts, long(facts.length)])) < 100 * 1024 - 200) facts.push(long(facts.length));
    const { alpha, clock, versions, edits, close } = await team(facts);
    try {
      const before = await versions();
      await expect(editTeamMemoryFact({ store: alpha, clock }, { topic: 'deploys', index: 0, was: 'Short.', text: 'y'.repeat(1000) })).rejects.toMatchObject({
        code: 'VIGIL_ERR_MEMORY_FACT',
        message: expect.stringContaining('a memory file holds at most 102400 bytes'),
      });
      expect(await versions()).toEqual(before);
      expect(await edits()).toEqual([]);
      // Within the limit, the same edit's shorter text is written.
      await editTeamMemoryFact({ store: alpha, clock }, { topic: 'deploys', index: 0, was: 'Short.', text: 'Still short.' });
      expect((await versions()).filter((v) => v.path === 'topics/deploys.md')).toHaveLength(2);
    } finally {
      await close();
    }
  }, 60_000);
});

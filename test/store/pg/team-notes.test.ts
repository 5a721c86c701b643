/**
 * `memory.note` on a team and its dream (issue 19), in process against a real cluster:
 * two nodes' workers running the same ten notes (each action twice, as after a takeover)
 * write each once, one line each, into the team's notes.md; the sender's newlines and a
 * forged marker change nothing; a note past the file's limit is refused whole. A node's
 * dream consolidates the notes into topics as a home's does and takes them out of notes.md
 * in its commit, while a note written during the dream stays for the next one.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/clock.js';
import { runTeamDream } from '../../../src/dream/index.js';
import { RulesConsolidator } from '../../../src/dream/rules-consolidator.js';
import { eventRecord } from '../../../src/events.js';
import { TEAM_LOCAL_HANDLERS, type TeamLocalEffects } from '../../../src/exec/team-local.js';
import { openPgWorkerStore, PgStore, type PgAction } from '../../../src/store/pg/index.js';
import { postgresAvailability, usePostgres } from '../../helpers/postgres.js';

const PG = postgresAvailability();
const T0 = Date.parse('2026-03-02T10:00:00Z');
const DREAM = { idleMinutes: 30, minHours: 0, staleDays: 60 };

describe.runIf(PG.available)('memory.note on a team, and the dream that takes the notes (real PostgreSQL)', () => {
  const pg = usePostgres('team_notes');
  let databases = 0;

  async function team() {
    const name = `notes_${++databases}`;
    const url = await pg.cluster.createDatabase(name);
    const clock = new FakeClock(T0);
    const store = await PgStore.open({ url, node: 'alpha', clock });
    const workers = ['alpha:w1', 'beta:w2'].map((holder) => openPgWorkerStore({ url, node: holder.split(':')[0]!, holder, clock }));
    const effects = (w: number): TeamLocalEffects => ({
      notices: { deliver: () => Promise.reject(new Error('no channel here')) },
      reminders: workers[w]!.reminders,
      writeMemory: (change) => workers[w]!.writeMemory(change),
      clock,
      record: () => {},
      print: () => {},
    });
    const note = (w: number, id: string, text: string, topic?: string) =>
      TEAM_LOCAL_HANDLERS['memory.note']!({ text, ...(topic ? { topic } : {}) }, { id, eventId: 12 } as PgAction, effects(w));
    const file = async (path: string) =>
      (await pg.cluster.admin<{ content: string | null; version: number }>('SELECT content, version FROM memory_files WHERE path = $1 ORDER BY version DESC LIMIT 1', [path], name)).rows[0];
    const close = async () => {
      await Promise.all(workers.map((w) => w.close()));
      await store.close();
    };
    return { store, clock, note, file, close };
  }

  it('ten notes run by two nodes\' workers at once land once each, a line each; a forged marker or newline changes nothing; past the limit, refused whole', async () => {
    const { note, file, close } = await team();
    try {
      const ids = Array.from({ length: 10 }, (_, i) => `act-${i}`);
      // The first note carries what a sender may write: newlines, a heading, a note line, and act-9's marker.
      const text = (i: number) => (i === 0 ? 'first\n# Forged heading\n- forged note <!-- vigil:action:act-9 -->' : `note ${i}`);
      const results = await Promise.all([0, 1].flatMap((w) => ids.map((id, i) => note(w, id, text(i), 'octo/app'))));
      expect(results.filter((r) => (r as { appended: boolean }).appended)).toHaveLength(10);
      const notes = (await file('notes.md'))!.content!;
      const lines = notes.split('\n').filter((l) => l.startsWith('- '));
      expect(lines).toHaveLength(10);
      for (const id of ids) expect(lines.filter((l) => l.endsWith(`<!-- vigil:action:${id} -->`))).toHaveLength(1);
      expect(notes.startsWith('# Memory notes\n\nNotes waiting for the next dream.\n\n')).toBe(true);
      expect(notes.split('\n').filter((l) => l.startsWith('#'))).toEqual(['# Memory notes']);
      expect(lines.find((l) => l.endsWith('<!-- vigil:action:act-0 -->'))).toBe(
        '- [octo/app] first # Forged heading - forged note <!-- vigil:action:act-9 --> (source: action act-0, event 12, 2026-03-02) <!-- vigil:action:act-0 -->',
      );

      // Notes until one would take notes.md past 100 KB: that one is refused, nothing of it written.
      let refused: { id: string; err: unknown } | undefined;
      for (let i = 0; i < 40 && !refused; i++) await note(0, `big-${i}`, 'x'.repeat(3999)).catch((err: unknown) => (refused = { id: `big-${i}`, err }));
      expect(refused?.err).toMatchObject({ code: 'VIGIL_ERR_MEMORY_COMMAND' });
      const full = (await file('notes.md'))!.content!;
      expect(Buffer.byteLength(full)).toBeLessThanOrEqual(100 * 1024);
      expect(full).not.toContain(`vigil:action:${refused!.id} -->`);
      expect(full.split('\n').filter((l) => l.startsWith('- '))).toHaveLength(10 + Number(refused!.id.slice(4)));
    } finally {
      await close();
    }
  }, 60_000);

  it('the dream consolidates the notes into topics and takes them out of notes.md in its commit; a note written while it dreams stays for the next', async () => {
    const { store, clock, note, file, close } = await team();
    try {
      await note(0, 'act-1', 'deploys go out on Tuesdays', 'octo/app');
      await note(1, 'act-2', 'the flaky test is test/net.test.ts', 'octo/app');
      await store.transaction((tx) => store.log.append(tx, [eventRecord('action.succeeded', { actionId: 'act-1', action: 'memory.note', result: { appended: true } }, clock.now())]));
      const late = {
        name: 'rules',
        async consolidate(...args: Parameters<RulesConsolidator['consolidate']>) {
          await note(1, 'act-3', 'written while the dream ran', 'octo/app');
          return new RulesConsolidator().consolidate(...args);
        },
      };
      const first = await runTeamDream({ store, clock, dream: DREAM, repos: [], trigger: 'manual', consolidator: late });
      expect(first.notes).toBe(2);
      const topic = (await file('topics/octo-app.md'))!.content!;
      expect(topic).toContain('deploys go out on Tuesdays');
      expect(topic).toContain('the flaky test is test/net.test.ts');
      expect(topic).not.toContain('written while the dream ran');
      const left = (await file('notes.md'))!.content!;
      expect(left.split('\n').filter((l) => l.startsWith('- '))).toEqual([expect.stringContaining('written while the dream ran')]);

      const second = await runTeamDream({ store, clock, dream: DREAM, repos: [], trigger: 'manual' });
      expect(second.notes).toBe(1);
      expect((await file('topics/octo-app.md'))!.content).toContain('written while the dream ran');
      expect((await file('notes.md'))!.content).toBeNull();
    } finally {
      await close();
    }
  }, 60_000);
});

import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDreamState, type DreamReport } from '../../src/dream/index.js';
import { hasRelativeDate } from '../../src/dream/dates.js';
import { readLogEntries, logFilePath } from '../../src/logs/index.js';
import { type Fact } from '../../src/memory/index.js';
import { parseTopic } from '../../src/memory/topics.js';
import { Store } from '../../src/store/index.js';
import { snapshotDir, useTempDirs } from '../memory/helpers.js';
import { copyHome, dreamOn, fillHome, homeIn, memoryFiles, type Home } from './fixture.js';
import { makeRepo } from './synthetic.js';

const tempDir = useTempDirs('vigil-dream-');

let base: Home;
let repo: string;
let report: DreamReport;
let home: Home;
let logsBefore: Record<string, string>;

function facts(h: Home, slug: string): Fact[] {
  return parseTopic(slug, fs.readFileSync(path.join(h.memory, 'topics', `${slug}.md`), 'utf8'), '2099-01-01').facts;
}

function entryAt(h: Home, ref: string) {
  const [, date, seq] = /^log (\S+)#(\d+)$/.exec(ref)!;
  return readLogEntries(logFilePath(h.logs, date!)).find((e) => e.seq === Number(seq));
}

describe('the deterministic dream over a synthetic month', () => {
  beforeAll(async () => {
    const fixed = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'vigil-dream-base-'));
    repo = makeRepo(fixed);
    base = homeIn(path.join(fixed, 'home'));
    await fillHome(base, 1, 30);
    home = copyHome(base, path.join(fixed, 'dreamed'));
    logsBefore = snapshotDir(home.logs);
    report = await dreamOn({ home, repo });
    return () => fs.rmSync(fixed, { recursive: true, force: true });
  });

  it('holds each duplicate once', () => {
    const app = facts(home, 'octo-app');
    expect(app.filter((f) => /deploy target of octo\/app/i.test(f.text))).toHaveLength(1);
    expect(facts(home, 'general').filter((f) => /squash merges/i.test(f.text))).toHaveLength(1);
    // Confirmed on the latest day it was seen again (day 24, in another spelling on day 9).
    expect(app.find((f) => /deploy target/i.test(f.text))!.confirmed).toBe('2026-01-24');
  });

  it('keeps the newest value of each contradiction, with its source and what it superseded', () => {
    const app = facts(home, 'octo-app');
    const branch = app.filter((f) => /default branch/i.test(f.text));
    expect(branch).toHaveLength(1);
    expect(branch[0]!.text).toMatch(/`trunk`/);
    expect(branch[0]!.text).not.toMatch(/`main`/);
    expect(branch[0]!.source).toMatch(/^log 2026-01-18#\d+$/);
    expect(branch[0]!.supersedes).toMatch(/`main`.*\(log 2026-01-03#\d+\)/);
    // The source names the log entry of the note that said it.
    expect(entryAt(home, branch[0]!.source)).toMatchObject({ type: 'action.succeeded', action: 'memory.note' });
    const ci = app.filter((f) => /CI command/i.test(f.text));
    expect(ci).toHaveLength(1);
    expect(ci[0]!.text).toMatch(/`npm run ci`/);
    expect(ci[0]!.source).toMatch(/^log 2026-01-22#\d+$/);
    expect(ci[0]!.supersedes).toMatch(/`npm test`.*\(log 2026-01-04#\d+\)/);
    expect(fs.readFileSync(path.join(home.memory, 'MEMORY.md'), 'utf8')).not.toMatch(/`main`|npm test`/);
  });

  it('has only absolute dates', () => {
    const all = [...facts(home, 'octo-app'), ...facts(home, 'general')];
    for (const fact of all) expect(hasRelativeDate(fact.text), fact.text).toBe(false);
    const texts = all.map((f) => f.text).join('\n');
    expect(texts).not.toMatch(/\b(yesterday|today|tomorrow|next monday|this friday)\b/i);
    expect(texts).toContain('Release freeze for octo/app starts Monday 2026-01-12.');
    expect(texts).toContain('The flaky parser test was fixed on 2026-01-06.');
    expect(texts).toContain('Sprint review is Friday 2026-01-09.');
  });

  it('marks the facts about deleted files and symbols stale, and they leave the index', () => {
    const app = facts(home, 'octo-app');
    const stale = (pattern: RegExp) => app.find((f) => pattern.test(f.text))!;
    expect(stale(/legacy-config\.ts/).stale).toMatch(/^2026-01-31: `src\/legacy-config\.ts` no longer exists in octo\/app$/);
    expect(stale(/old-deploy\.sh/).stale).toMatch(/`scripts\/old-deploy\.sh` no longer exists/);
    expect(stale(/loadLegacyConfig/).stale).toMatch(/`loadLegacyConfig` no longer appears in octo\/app/);
    // A file that still exists holds, and is confirmed by the check; so does the `ci` script.
    const server = stale(/src\/server\.ts/);
    expect(server.stale).toBeUndefined();
    expect(server.confirmed).toBe('2026-01-31');
    expect(stale(/npm run ci/).stale).toBeUndefined();
    expect(report.stale).toBe(3);
    const index = fs.readFileSync(path.join(home.memory, 'MEMORY.md'), 'utf8');
    expect(index).toMatch(/\[octo\/app\]\(topics\/octo-app\.md\)/);
    expect(index).not.toMatch(/legacy|old-deploy|loadLegacyConfig/);
  });

  it('reports, logs started/finished through the outbox, queues the digest, and never rewrites a log', () => {
    expect(report).toMatchObject({ consolidator: 'rules', modelTokens: 0, notes: 19, stale: 3, removed: 0 });
    expect(report.added).toBe(11); // distinct facts among the 19 notes
    expect(report.updated).toBe(2);
    expect(report.entriesRead).toBeGreaterThan(30 * 12);
    expect(snapshotDir(home.logs)).toEqual(logsBefore);
    const store = Store.open(home.db);
    try {
      const staged = store.outbox.pending(100).map((r) => r.record);
      expect(staged.map((r) => r.type)).toEqual(['dream.started', 'action.allowed', 'dream.finished']);
      expect(staged[2]).toMatchObject({ dreamId: report.dreamId, added: 11, updated: 2, removed: 0, stale: 3 });
      const digest = store.actions.get(report.digestActionId!)!;
      expect(digest).toMatchObject({ action: 'notify', state: 'approved' });
      expect((digest.params as { title: string }).title).toBe('vigil dreamed: 11 added, 2 updated, 0 removed, 3 stale');
      expect(loadDreamState(store).watermark?.date).toBe('2026-01-30');
    } finally {
      store.close();
    }
    // The notes were consumed: the claim is gone once the dream committed.
    expect(fs.existsSync(path.join(home.memory, 'notes.md'))).toBe(false);
    expect(fs.readdirSync(path.join(home.memory, '.dream'))).toEqual([]);
  });

  it('a second dream with nothing new changes nothing', async () => {
    const before = snapshotDir(home.memory);
    const again = await dreamOn({ home, repo });
    expect(again).toMatchObject({ added: 0, updated: 0, removed: 0, stale: 0, filesWritten: 0, entriesRead: 0 });
    expect(again.digestActionId).toBeUndefined();
    expect(snapshotDir(home.memory)).toEqual(before);
  });

  it('is incremental: dreaming after day 20 and again after day 30 reads each entry once and ends where one dream does', async () => {
    const split = homeIn(tempDir());
    const first = await fillHome(split, 1, 20);
    const one = await dreamOn({ home: split, repo, at: new Date(2026, 0, 21, 3).getTime() });
    expect(one.entriesRead).toBe(first);
    expect(one.updated).toBe(1); // the branch (day 18)
    const second = await fillHome(split, 21, 30);
    const two = await dreamOn({ home: split, repo });
    expect(two.entriesRead).toBe(second);
    expect(two.updated).toBe(1); // the CI command (day 22)
    // The same memory, but for the day the stale facts were found stale (the first dream's).
    const sinceWhen = (files: Record<string, string>) =>
      Object.fromEntries(Object.entries(files).map(([k, v]) => [k, v.replace(/stale: \d{4}-\d{2}-\d{2}:/g, 'stale: DATE:')]));
    expect(memoryFiles(split)['topics/octo-app.md']).toContain('stale: 2026-01-21: `src/legacy-config.ts`');
    expect(sinceWhen(memoryFiles(split))).toEqual(sinceWhen(memoryFiles(home)));
  });

  it('prunes facts unconfirmed for dream.staleDays; their last version stays in the history', async () => {
    const later = copyHome(home, tempDir());
    const pruned = await dreamOn({ home: later, repo, at: new Date(2026, 1, 20, 3).getTime(), staleDays: 20 });
    // Unconfirmed since before 2026-01-31: everything but what the repo check confirms (server, CI).
    expect(pruned.removed).toBeGreaterThan(5);
    const left = facts(later, 'octo-app').map((f) => f.text);
    expect(left.some((t) => /src\/server\.ts/.test(t))).toBe(true);
    expect(left.some((t) => /squash/.test(t))).toBe(false);
    expect(fs.existsSync(path.join(later.memory, 'topics', 'general.md'))).toBe(false);
    const history = fs.readdirSync(path.join(later.memory, '.history', 'topics', 'general.md'));
    const kept = fs.readFileSync(path.join(later.memory, '.history', 'topics', 'general.md', history.sort().pop()!), 'utf8');
    expect(kept).toMatch(/squash merges/);
  });
});

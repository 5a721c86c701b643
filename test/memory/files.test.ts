import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { isVigilError } from '../../src/errors.js';
import { MemoryFiles, removeOrphanTemps, renderIndex, renderTopic, nodeMemoryFs, type Topic } from '../../src/memory/index.js';
import { INDEX_LIMITS } from '../../src/memory/index-file.js';
import { parseTopic } from '../../src/memory/topics.js';
import { writeFileAtomic } from '../../src/memory/atomic.js';
import { FailingFs, snapshotDir, useTempDirs } from './helpers.js';

const tempDir = useTempDirs();

describe('strict write discipline', () => {
  it('a write that fails halfway leaves the old file whole and no temp file behind', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'MEMORY.md');
    fs.writeFileSync(file, 'old version\n');
    const failing = new FailingFs(1);
    await expect(writeFileAtomic(failing, file, 'new version, much longer than the old one\n'.repeat(100))).rejects.toThrow(/ENOSPC/);
    expect(fs.readFileSync(file, 'utf8')).toBe('old version\n');
    expect(fs.readdirSync(dir)).toEqual(['MEMORY.md']);
  });

  it('a temp file left by a writer that died is removed; one of a live writer is not', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'topics'));
    const dead = path.join(dir, 'topics', '.x.md.999999-abcd.tmp');
    const live = path.join(dir, `.MEMORY.md.${process.pid}-abcd.tmp`);
    fs.writeFileSync(dead, 'half');
    fs.writeFileSync(live, 'in flight');
    expect(removeOrphanTemps(nodeMemoryFs, dir)).toBe(1);
    expect(fs.existsSync(dead)).toBe(false);
    expect(fs.existsSync(live)).toBe(true);
  });

  it('keeps the previous version of every replaced file, and restores one (the restore is a version too)', async () => {
    const dir = tempDir();
    const clock = new FakeClock(Date.UTC(2026, 0, 5, 12, 0, 0));
    const files = new MemoryFiles(dir, nodeMemoryFs, clock);
    expect(await files.write('topics/a.md', 'v1\n')).toBe(true);
    expect(await files.write('topics/a.md', 'v1\n')).toBe(false); // unchanged: no version
    clock.advance(1000);
    await files.write('topics/a.md', 'v2\n');
    clock.advance(1000);
    await files.write('topics/a.md', 'v3\n');
    const versions = files.versions('topics/a.md');
    expect(versions.map((v) => files.readVersion('topics/a.md', v.version))).toEqual(['v2\n', 'v1\n']);
    expect(versions[0]!.replacedAt).toBe(Date.UTC(2026, 0, 5, 12, 0, 2));
    expect(files.filesWithHistory()).toEqual(['topics/a.md']);
    clock.advance(1000);
    await files.restore('topics/a.md', versions[1]!.version);
    expect(files.read('topics/a.md')).toBe('v1\n');
    expect(files.readVersion('topics/a.md', files.versions('topics/a.md')[0]!.version)).toBe('v3\n');
    let code = '';
    try {
      files.readVersion('topics/a.md', '20990101T000000000Z');
    } catch (err) {
      code = isVigilError(err) ? err.code : String(err);
    }
    expect(code).toBe('VIGIL_ERR_MEMORY_VERSION');
    expect(() => files.readVersion('topics/a.md', '../../../etc/passwd')).toThrow(/no version/);
  });

  it('a failure while keeping the old version leaves the file untouched', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'MEMORY.md'), 'old\n');
    const before = snapshotDir(dir);
    const files = new MemoryFiles(dir, new FailingFs(1));
    await expect(files.write('MEMORY.md', 'new\n')).rejects.toThrow(/ENOSPC/);
    expect(snapshotDir(dir)).toEqual(before);
  });
});

describe('topic files', () => {
  const topic: Topic = {
    slug: 'octo-app',
    title: 'octo/app',
    notes: ['Prose a person wrote stays.'],
    facts: [
      { text: 'The default branch of octo/app is `trunk`.', source: 'log 2026-01-20#14', confirmed: '2026-01-24', supersedes: 'The default branch of octo/app is `main`. (log 2026-01-03#5)' },
      { text: 'Config lives in `src/legacy.ts`.', source: 'log 2026-01-04#8', confirmed: '2026-01-04', stale: '2026-01-31: `src/legacy.ts` no longer exists in octo/app' },
    ],
  };

  it('render and parse round-trip, stale facts under their own heading', () => {
    const text = renderTopic(topic);
    expect(text).toContain('## Stale');
    expect(text.indexOf('`trunk`')).toBeLessThan(text.indexOf('## Stale'));
    expect(parseTopic('octo-app', text, '2026-02-01')).toEqual(topic);
    expect(renderTopic(parseTopic('octo-app', text, '2026-02-01'))).toBe(text);
  });

  it('a bullet without metadata (hand- or model-written) gets its file and line as source', () => {
    const parsed = parseTopic('misc', '# Misc\n\n- Uses pnpm.\n- Deploys on Fridays\n  - confirmed: 2026-01-02\n', '2026-02-01');
    expect(parsed.facts).toEqual([
      { text: 'Uses pnpm.', source: 'topics/misc.md:3', confirmed: '2026-02-01' },
      { text: 'Deploys on Fridays', source: 'topics/misc.md:4', confirmed: '2026-01-02' },
    ]);
  });
});

describe('MEMORY.md, the index', () => {
  const many = (n: number, textLength: number): Topic[] =>
    Array.from({ length: n }, (_, i) => ({
      slug: `t${i}`,
      title: `topic ${String(i).padStart(3, '0')}`,
      notes: [],
      facts: [{ text: 'x'.repeat(textLength), source: 'log 2026-01-01#1', confirmed: `2026-01-${String((i % 28) + 1).padStart(2, '0')}` }],
    }));

  it('one line per topic of at most 150 characters, at most 200 lines and 25 KB', () => {
    const index = renderIndex(many(400, 400));
    const lines = index.trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(INDEX_LIMITS.lines);
    expect(Buffer.byteLength(index)).toBeLessThanOrEqual(INDEX_LIMITS.bytes);
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(INDEX_LIMITS.lineChars);
    // Past the limits the freshest topics stay.
    expect(index).toContain('topic 027'); // confirmed 2026-01-28
  });

  it('stale facts and topics with only stale facts stay out of it', () => {
    const index = renderIndex([
      { slug: 'a', title: 'a', notes: [], facts: [{ text: 'alive', source: 's', confirmed: '2026-01-01' }, { text: 'gone', source: 's', confirmed: '2026-01-01', stale: 'x' }] },
      { slug: 'b', title: 'b', notes: [], facts: [{ text: 'also gone', source: 's', confirmed: '2026-01-01', stale: 'x' }] },
    ]);
    expect(index).toContain('- [a](topics/a.md): alive');
    expect(index).not.toContain('gone');
    expect(index).not.toContain('topics/b.md');
  });
});

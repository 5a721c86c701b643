import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimNotes } from '../../src/dream/notes.js';
import { nodeMemoryFs } from '../../src/memory/index.js';
import { parseTopic } from '../../src/memory/topics.js';
import { snapshotDir, useTempDirs } from '../memory/helpers.js';
import { dreamOn, homeIn } from './fixture.js';

const tempDir = useTempDirs('vigil-notes-upgrade-');

// Issue 13 renamed memory/inbox.md to memory/notes.md. A home from before may hold
// either or both; not one note may be lost on the way.
const OLD_NOTES = '# Memory inbox\n\nNotes waiting for the next dream.\n\n- [octo/app] The release branch of octo/app is `stable`.\n';
const NEW_NOTES = '# Memory notes\n\nNotes waiting for the next dream.\n\n- [octo/app] The docs of octo/app are built with mkdocs.\n';

describe('a leftover memory/inbox.md from before the rename', () => {
  it('is claimed beside notes.md, neither over the other, each with its origin', () => {
    const memory = path.join(tempDir(), 'memory');
    fs.mkdirSync(memory);
    fs.writeFileSync(path.join(memory, 'inbox.md'), OLD_NOTES);
    fs.writeFileSync(path.join(memory, 'notes.md'), NEW_NOTES);

    const claims = claimNotes(nodeMemoryFs, memory, 1000);

    expect(claims.map((c) => c.origin)).toEqual(['inbox.md', 'notes.md']);
    expect(claims.map((c) => fs.readFileSync(c.file, 'utf8'))).toEqual([OLD_NOTES, NEW_NOTES]);
    expect(claims.map((c) => c.bytes)).toEqual([Buffer.byteLength(OLD_NOTES), Buffer.byteLength(NEW_NOTES)]);
    expect(fs.existsSync(path.join(memory, 'inbox.md'))).toBe(false);
    expect(fs.existsSync(path.join(memory, 'notes.md'))).toBe(false);
  });

  it('keeps a claim an older dream left behind under the old name', () => {
    const memory = path.join(tempDir(), 'memory');
    fs.mkdirSync(path.join(memory, '.dream'), { recursive: true });
    fs.writeFileSync(path.join(memory, '.dream', 'inbox-5-7.md'), OLD_NOTES);
    fs.writeFileSync(path.join(memory, 'notes.md'), NEW_NOTES);

    const claims = claimNotes(nodeMemoryFs, memory, 9000);

    expect(claims.map((c) => [path.basename(c.file), c.origin])).toEqual([
      ['inbox-5-7.md', 'inbox.md'],
      [`notes-9000-${process.pid}.md`, 'notes.md'],
    ]);
  });

  it('a dream learns from both files and then neither is left', async () => {
    const home = homeIn(tempDir());
    fs.mkdirSync(home.memory, { recursive: true });
    fs.writeFileSync(path.join(home.memory, 'inbox.md'), OLD_NOTES);
    fs.writeFileSync(path.join(home.memory, 'notes.md'), NEW_NOTES);

    const report = await dreamOn({ home, repo: tempDir() });

    expect(report).toMatchObject({ notes: 2, added: 2 });
    const text = fs.readFileSync(path.join(home.memory, 'topics', 'octo-app.md'), 'utf8');
    const facts = parseTopic('octo-app', text, '2099-01-01').facts;
    expect(facts.map((f) => f.text).sort()).toEqual(['The docs of octo/app are built with mkdocs.', 'The release branch of octo/app is `stable`.']);
    // A note the logs do not name is sourced to the file it was written to.
    expect(facts.find((f) => f.text.includes('stable'))!.source).toMatch(/^memory\/inbox\.md line 5\b/);
    expect(facts.find((f) => f.text.includes('mkdocs'))!.source).toMatch(/^memory\/notes\.md line 5\b/);
    const left = Object.keys(snapshotDir(home.memory));
    expect(left.filter((rel) => rel === 'inbox.md' || rel === 'notes.md' || rel.startsWith('.dream/'))).toEqual([]);
  });
});

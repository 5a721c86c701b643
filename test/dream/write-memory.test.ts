import { describe, expect, it } from 'vitest';
import { writeMemory } from '../../src/dream/write.js';
import { MemoryFiles } from '../../src/memory/files.js';
import { renderTopic, type Topic } from '../../src/memory/topics.js';
import { useTempDirs } from '../memory/helpers.js';

/**
 * The dream's last phase on a real memory folder: what it counts as changed (the number
 * `vigil dream` reports), which topic files it removes, and what it tells the progress line.
 */

const tempDir = useTempDirs('vigil-write-memory-');
const fact = (text: string) => ({ text, source: 'log 2026-01-03#1', confirmed: '2026-01-03' });
const topic = (slug: string, facts: ReturnType<typeof fact>[], notes: string[] = []): Topic => ({ slug, title: slug, notes, facts });

describe('writeMemory', () => {
  it('writes each changed topic and the index, removes only a topic emptied since the last dream, and counts each file changed', async () => {
    const files = new MemoryFiles(tempDir());
    const kept = topic('kept', [fact('kept fact')]);
    const emptied = topic('emptied', [fact('gone fact')]);
    const notesOnly = topic('notes-only', [], ['a note the owner wrote']);
    const first: string[] = [];
    expect(await writeMemory(files, new Map(), [kept, emptied, notesOnly], (line) => first.push(line))).toBe(4);
    expect(first).toEqual(['writing topics', 'wrote topics/emptied.md', 'wrote topics/kept.md', 'wrote topics/notes-only.md', 'writing the index']);
    expect(files.read('topics/notes-only.md')).toBe(renderTopic(notesOnly));

    // The next dream: `kept` unchanged, `emptied` has nothing left, `never` was never written.
    const before = new Map([kept, emptied, notesOnly].map((t) => [t.slug, renderTopic(t)]));
    const second: string[] = [];
    const changed = await writeMemory(files, before, [kept, topic('emptied', []), notesOnly, topic('never', [])], (line) => second.push(line));
    // The removed topic, and the index that no longer lists it.
    expect(changed).toBe(2);
    expect(files.read('topics/emptied.md')).toBeUndefined();
    expect(files.read('topics/never.md')).toBeUndefined();
    expect(files.read('topics/kept.md')).toBe(renderTopic(kept));
    expect(second).toEqual(['writing topics', 'writing the index']);

    // Nothing changed: nothing counted, the index not rewritten.
    const after = new Map([kept, notesOnly].map((t) => [t.slug, renderTopic(t)]));
    expect(await writeMemory(files, after, [kept, notesOnly], () => {})).toBe(0);
  });
});

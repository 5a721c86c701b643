import { failpoint } from '../failpoints.js';
import { INDEX_FILE, renderIndex, renderTopic, topicPath, type MemoryFiles, type Topic } from '../memory/index.js';

/**
 * The last phase: changed topic files first, each written atomically with its
 * previous version kept; MEMORY.md only after every topic write succeeded. A crash
 * in between leaves each file wholly old or wholly new, and the watermark (saved
 * after this) unmoved, so the next dream reads the same input and converges.
 * Returns how many files changed.
 */
export async function writeMemory(
  files: MemoryFiles,
  before: ReadonlyMap<string, string>,
  topics: readonly Topic[],
  progress: (line: string) => void,
): Promise<number> {
  let written = 0;
  progress('writing topics');
  for (const topic of [...topics].sort((a, b) => a.slug.localeCompare(b.slug))) {
    const rel = topicPath(topic.slug);
    const empty = topic.facts.length === 0 && topic.notes.length === 0;
    if (empty) {
      if (before.has(topic.slug) && (await files.remove(rel))) written++;
      continue;
    }
    const text = renderTopic(topic);
    if (before.get(topic.slug) === text) continue;
    await files.write(rel, text);
    written++;
    progress(`wrote ${rel}`);
    await failpoint('dream.topic_written');
  }
  progress('writing the index');
  await failpoint('dream.before_index');
  if (await files.write(INDEX_FILE, renderIndex(topics))) written++;
  return written;
}

import { TOPICS_DIR } from './names.js';
import { parseTopic, type Topic } from './topics.js';
import type { MemoryFiles } from './files.js';

export interface LoadedTopic {
  topic: Topic;
  /** The file as read, to write back only what changed. */
  text: string;
}

/** Every topic file (`topics/*.md`), parsed; facts without metadata are confirmed `today`. */
export function readTopics(files: MemoryFiles, today: string): Map<string, LoadedTopic> {
  const out = new Map<string, LoadedTopic>();
  const names = files.fsx
    .list(files.abs(TOPICS_DIR))
    .filter((e) => e.isFile() && e.name.endsWith('.md') && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  for (const name of names) {
    const slug = name.slice(0, -3);
    const text = files.read(`${TOPICS_DIR}/${name}`);
    if (text !== undefined) out.set(slug, { topic: parseTopic(slug, text, today), text });
  }
  return out;
}

/**
 * Memory (issue 5): `memory/MEMORY.md` is the index every prompt carries, one line per
 * topic; `memory/topics/<slug>.md` hold the facts with their sources and dates. Files
 * are written atomically with their previous versions kept (`.history/`), the model
 * reaches them through the memory tool, and every log entry and event payload is
 * searchable with SQLite FTS5.
 */
export { nodeMemoryFs, type MemoryFs } from './fs.js';
export { writeFileAtomic, removeOrphanTemps } from './atomic.js';
export { MemoryFiles, HISTORY_DIR, type FileVersion } from './files.js';
export { resolveMemoryPath, isInside, VIRTUAL_ROOT, type MemoryPath } from './paths.js';
export { runMemoryCommand, MemoryCommand, MAX_MEMORY_FILE_BYTES } from './tool.js';
export {
  parseTopic,
  renderTopic,
  slugify,
  topicPath,
  cleanFactText,
  sourceDate,
  TOPICS_DIR,
  type Fact,
  type Topic,
} from './topics.js';
export { renderIndex, indexLine, INDEX_FILE, INDEX_LIMITS } from './index-file.js';
export { readTopics, type LoadedTopic } from './load.js';
export { SearchIndex, toMatchQuery, entryText, type SearchHit } from './search.js';

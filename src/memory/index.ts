/**
 * Memory (issue 5): `memory/MEMORY.md` is the index every prompt carries, one line per
 * topic; `memory/topics/<slug>.md` hold the facts with their sources and dates;
 * `memory/notes.md` holds the notes waiting for the next dream (names.ts). Files
 * are written atomically with their previous versions kept (`.history/`), the model
 * reaches them through the memory tool, and every log entry and event payload is
 * searchable with SQLite FTS5.
 */
export { nodeMemoryFs, type MemoryFs } from './fs.js';
export { removeOrphanTemps } from './atomic.js';
export { INDEX_FILE, TOPICS_DIR, NOTES_FILE, PENDING_NOTES_FILES, CLAIM_DIR } from './names.js';
export { MemoryFiles } from './files.js';
export { resolveMemoryPath } from './paths.js';
export { runMemoryCommand } from './tool.js';
export { parseTopic, renderTopic, slugify, topicPath, cleanFactText, sourceDate, type Fact, type Topic } from './topics.js';
export { renderIndex } from './index-file.js';
export { readTopics } from './load.js';
export { inDaemonBudget, SearchIndex, type CatchUpBudget, type SearchHit } from './search.js';
export { memoryVersions } from './export.js';
export { searchTeam } from './team-search.js';
export { teamMemorySource } from './team-mirror.js';
export { TeamMemoryView, teamRestoreChanges, type MemoryReader } from './team-files.js';

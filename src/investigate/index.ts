export { tool, type InvestigationTool, type ToolContext } from './tool.js';
export { githubTools, type GithubReads } from './github.js';
export { repoTools } from './repo.js';
export { memoryTools, type MemoryToolsDeps } from './memory.js';
export { historyTool, type HistoryLookup } from './history.js';

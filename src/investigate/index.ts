export { tool, type InvestigationTool } from './tool.js';
export { githubTools, type GithubReads } from './github.js';
export { repoTools } from './repo.js';
export { memoryTools, memoryToolsOver, type MemorySource } from './memory.js';
export { historyTool } from './history.js';

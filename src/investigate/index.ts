export { tool, type InvestigationTool } from './tool.js';
export { githubTools, type GithubReads } from './github.js';
export { repoTools } from './repo.js';
export { memoryTools } from './memory.js';
export { historyTool } from './history.js';

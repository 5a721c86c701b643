export { tool, type InvestigationTool, type ToolContext } from './tool.js';
export { githubTools, type GithubReads } from './github.js';

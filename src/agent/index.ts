/**
 * Hands (issue 8): agent tasks in isolated git worktrees that end as draft pull
 * requests. Only the worker loads this folder, by dynamic import, when an approved
 * `agent.task` runs.
 */
export { runAgentTask, transcriptPath, type AgentTaskDeps, type AgentTaskParams, type AgentTaskResult } from './task.js';
export { requestCancel, cancelRequested, clearCancel } from './cancel.js';
export { checkCommand } from './command-check.js';
export { secretsToWithhold } from './env.js';
export { detectSandbox, type Sandbox } from './sandbox.js';
export { confine, Refusal } from './confine.js';
export { BudgetExceeded, type AgentModel } from './loop.js';

/**
 * Hands (issue 8): agent tasks in isolated git worktrees that end as draft pull
 * requests. Only the worker loads this folder, by dynamic import, when an approved
 * `agent.task` runs.
 */
export { runAgentTask } from './task.js';
export { requestCancel, kvCancelFlag, type CancelFlag } from './cancel.js';
export { secretsToWithhold } from './env.js';
export { detectSandbox } from './sandbox.js';

export { Initiative, type InitiativeDeps, type DecideOutcome } from './initiative.js';
export { answerApproval, expireApprovals } from './approvals.js';
export { buildContext, readMemoryIndex, type DecisionContext } from './context.js';
export { buildPrompt, type PromptParts } from './prompt.js';

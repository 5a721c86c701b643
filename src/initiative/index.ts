export { Initiative, type InitiativeDeps, type DecideOutcome } from './initiative.js';
export { answerApproval, expireApprovals } from './approvals.js';
export { propose, type ProposeDeps, type ProposalOrigin, type Proposed, type WhenAsked } from './propose.js';
export { buildContext, readMemoryIndex, readRepoInstructions, type DecisionContext, type RepoInstructions } from './context.js';
export { buildPrompt, type PromptParts } from './prompt.js';
export { compactPayload } from './payload.js';
export { recentActivity } from './activity.js';

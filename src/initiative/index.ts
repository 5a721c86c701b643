export { Initiative, type OwnerAnswer } from './initiative.js';
export { triageConfig } from './triage.js';
export { answerApproval, expireApprovals, ANSWER_REASON_MAX_CHARS } from './approvals.js';
export { propose } from './propose.js';
export { decisionToolbox } from './decision-tools.js';
export { ownerProfile } from './owner.js';
export { OWNER_SOURCE, OWNER_INSTRUCTION, MAX_INSTRUCTION_CHARS, type AskPayload } from './instruction.js';
export { TeamDecisions, type TeamDecider } from './team-decisions.js';
export { answerTeamApproval } from './team-approvals.js';

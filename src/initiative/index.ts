export { Initiative } from './initiative.js';
export { answerApproval, expireApprovals } from './approvals.js';
export { propose } from './propose.js';

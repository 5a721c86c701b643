/**
 * Operations: what both the daemon and the CLI do, written once. Each is a function
 * over injected dependencies (store, clock, journal, …) that does the thing once; the
 * daemon's routes call it in-process, and the CLI calls the daemon's route when a daemon
 * runs, else the same function in its own process (src/cli/operate.ts).
 */
export type { OperationDeps } from './deps.js';
export { answerApproval, listApprovals, approvalView, type ApprovalView } from './approvals.js';
export { requestTick } from './tick.js';
export { cancelAgentTask } from './cancel.js';
export { startDream, dreamHere, dreamStatus, describeDream, type DreamSummary, type DreamStatus } from './dream.js';
export { restoreMemoryVersion } from './memory-restore.js';
export { recordInstruction } from './ask.js';
export { editMemoryFact } from './memory-edit.js';
export { editTeamMemoryFact } from './team-memory-edit.js';
export { considerRuleSuggestion, acceptRuleSuggestion } from './rule-suggestions.js';
export { considerTeamRuleSuggestion, acceptTeamRuleSuggestion } from './team-rule-suggestions.js';
export { listTeamApprovals, answerTeamApprovalByCli } from './team-approvals.js';
export { enqueueTeamManualTick, requestTeamTick, type TeamTickRequested } from './team-tick.js';
export { cancelTeamAgentTask, requestTeamCancel } from './team-cancel.js';
export { dreamTeamHere, awaitTeamDream, type TeamDreamOutcome } from './team-dream.js';
export { teamDreamStatus, unstartedTeamDreamStatus, type TeamDreamStatus } from './team-dream-status.js';

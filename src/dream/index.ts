/**
 * The dream pass (issue 5): when the owner has been idle long enough, consolidate
 * what the logs and the memory notes say into memory/ — orient, gather (incremental),
 * consolidate (rules or model), verify against the watched clones, prune, and write
 * with strict discipline. One dream at a time across processes (a lock file).
 */
export type { DreamReport } from './dream.js';
export { dreamInHome } from './run.js';
export { marksText, runTeamDream, teamDreamBusy, teamDreamDue, teamDueInput } from './team-dream.js';
export { consolidatorFor } from './consolidators.js';
export { consolidationCompletion } from './consolidate-tool.js';
export type { Consolidator } from './consolidator.js';
export { dreamClocksClear, dreamDue, lastOwnerActivity, MIN_NEW_ENTRIES, NewEntryCounter } from './due.js';
export { acquireDreamLock, liveDreamLock, dreamLockPath, type DreamLockInfo } from './lock.js';
export { loadDreamState, saveDreamState, markText } from './state.js';
export { DREAM_ENTRY, newDreamId, type FromDream } from './protocol.js';

/**
 * The dream pass (issue 5): when the owner has been idle long enough, consolidate
 * what the logs and the memory notes say into memory/ — orient, gather (incremental),
 * consolidate (rules or model), verify against the watched clones, prune, and write
 * with strict discipline. One dream at a time across processes (a lock file).
 */
export { runDream, type DreamReport, type DreamOptions } from './dream.js';
export { dreamInHome, type DreamInHomeOptions } from './run.js';
export { dreamDue, lastOwnerActivity, isNews, NewEntryCounter, MIN_NEW_ENTRIES, RETRY_AFTER_FAILURE_MS } from './due.js';
export { acquireDreamLock, readDreamLock, liveDreamLock, dreamLockPath, DREAM_LOCK_STALE_MS, type DreamLockInfo } from './lock.js';
export { loadDreamState, saveDreamState, markText, type DreamState, type LogMark } from './state.js';
export type { Consolidator, ConsolidationContext, ConsolidationResult } from './consolidator.js';
export { RulesConsolidator } from './rules-consolidator.js';
export { ModelConsolidator, renderPrompt, relevantFacts, type CompleteJson, type ConsolidationPrompt } from './model-consolidator.js';
export { consolidatorFor } from './consolidators.js';
export { CONSOLIDATE_TOOL, consolidationCompletion } from './consolidate-tool.js';
export { validateOperations, applyOperations, MemoryOperation, type MemoryOperation as MemoryOperationType } from './operations.js';
export { WorkingMemory, type Observation, type FactRef, type DreamCounts } from './working-memory.js';
export { absoluteDates, hasRelativeDate, addDays } from './dates.js';
export { factKey, normalise } from './facts.js';
export { RepoVerifier, type LocalRepo } from './verify.js';
export { referencesOf } from './references.js';
export { gather, readLogsSince } from './gather.js';
export { DREAM_ENTRY, DREAM_BUSY_EXIT, newDreamId, type FromDream } from './protocol.js';

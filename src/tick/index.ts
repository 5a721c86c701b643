export { TickService, LAST_TICK_KEY, type TickPayload, type TickOutcome } from './service.js';
export { approvalsChanged, recordDecidedTick, type DecidedTick, type WorldMark } from './world-mark.js';
export { withinHours, minuteOfDay } from './active-hours.js';
export { readRepoState, readRepoHead, localRepos, type RepoState, type RepoHead } from './repos.js';

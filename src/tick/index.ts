export { TickService, APPROVALS_VERSION_KEY, LAST_TICK_KEY, type TickPayload, type TickOutcome, type WorldMark } from './service.js';
export { withinHours, minuteOfDay } from './active-hours.js';
export { readRepoState, readRepoHead, localRepos, type RepoState, type RepoHead } from './repos.js';

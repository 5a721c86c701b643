export { TickService, LAST_TICK_KEY, type TickPayload, type TickOutcome } from './service.js';
export { approvalsChanged, recordDecidedTick } from './world-mark.js';
export { withinHours, minuteOfDay } from './active-hours.js';
export { readRepoState, localRepos, type RepoState } from './repos.js';
export { openWorkSource, openWorkRepos, digestForPrompt, type OpenWorkSource } from './open-work.js';
export { observeTeamWorld, teamTickBody, recordDecidedTeamTick, type TeamWorldOptions, type TeamWorld } from './team-world.js';

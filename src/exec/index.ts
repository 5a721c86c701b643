export { WORKER_ENTRY, WORKER_MAX_ATTEMPTS, type ToWorker, type FromWorker } from './protocol.js';
export { TEAM_WORKER_ENTRY, type ToTeamWorker, type FromTeamWorker, type WorkerRole } from './team-protocol.js';
export { claimableByNode } from './team-claimable.js';

export { Daemon } from './daemon.js';
export { TeamDaemon } from './team-daemon.js';
export { statusReport, teamStatusReport } from './status.js';
export { createOplog, type Oplog } from './oplog.js';
export { prettyDestination } from './oplog-pretty.js';

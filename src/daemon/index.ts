export { Daemon } from './daemon.js';
export { readDaemonInfo, type DaemonInfo } from './lock.js';
export { statusReport } from './status.js';
export { createOplog } from './oplog.js';

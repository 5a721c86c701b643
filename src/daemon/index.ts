export { Daemon, type DaemonOptions } from './daemon.js';
export { readDaemonInfo, type DaemonInfo } from './lock.js';
export { statusReport } from './status.js';
export { createOplog, silentOplog, stringLeaves, OPLOG_LEVELS, REDACTED, type Oplog, type OplogLevel } from './oplog.js';

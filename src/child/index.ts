/**
 * The child-process kit: what vigil's child processes and threads (the execution worker,
 * the dream child, the store's checkpoint thread) and their supervisors share — where
 * a child's entry file is, the typed IPC channel with its heartbeat, whether a process
 * lives and is still the one we knew, and the pid-file lock. It reaches no room: the
 * rooms that run children import it.
 */
export { childEntry } from './entry.js';
export { ParentChannel, type Heartbeat } from './channel.js';
export { SupervisedChild } from './supervised-child.js';
export { isAlive, holdsLock } from './liveness.js';
export { acquirePidLock, readPidLock, type PidLockRead } from './pid-lock.js';

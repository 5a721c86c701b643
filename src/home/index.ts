/**
 * A vigil home, as every command finds it: where its files are (`VIGIL_HOME`), whether
 * it is set up, the running daemon's address (daemon.json) and the token that calls it.
 * Kept apart from `src/config/` (the schema, zod, every secret form) so that a command
 * that only asks the daemon loads none of that (issue 18).
 */
export { resolveHome, homePaths, type HomePaths } from './paths.js';
export { readDaemonInfo, writeDaemonInfo, removeDaemonInfo, type DaemonInfo } from './daemon-info.js';
export { isInitialised } from './initialised.js';
export { readDashboardToken } from './dashboard-token.js';

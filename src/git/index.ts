/** The hardened git every room that runs git uses: the distrust options, the argv, the clean environment (hardened.ts), the clone's git dir (common-dir.ts). */
export { gitArgv, gitEnv, type GitTarget } from './hardened.js';
export { commonGitDir } from './common-dir.js';

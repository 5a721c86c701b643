export {
  repoName,
  TickConfig,
  OwnerConfig,
  ModelConfig,
  DecisionBudgets,
  DecisionRule,
  PermissionsConfig,
  PermissionRule,
  GithubConfig,
  WatchedRepo,
  Config,
} from './schema.js';
export { loadConfig, deepFreeze } from './load.js';
export { rewriteConfigFile, withPermissionRule, previousConfigPath } from './rewrite.js';
export { resolveHome, homePaths, type HomePaths } from './paths.js';
export { readDaemonInfo, writeDaemonInfo, removeDaemonInfo, type DaemonInfo } from './daemon-info.js';
export { loadSecrets, heldSecretValues, type Secrets } from './secrets.js';
export { loadDaemonSecrets } from './daemon-secrets.js';
export { initHome, isInitialised } from './home.js';

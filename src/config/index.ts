export {
  repoName,
  TickConfig,
  OwnerConfig,
  ModelConfig,
  DecisionBudgets,
  DecisionRule,
  PermissionsConfig,
  GithubConfig,
  WatchedRepo,
  Config,
} from './schema.js';
export { loadConfig, parseConfig, deepFreeze } from './load.js';
export { resolveHome, homePaths, type HomePaths } from './paths.js';
export { loadSecrets, heldSecretValues, type Secrets } from './secrets.js';
export { loadDaemonSecrets } from './daemon-secrets.js';
export { initHome, isInitialised } from './home.js';

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
export { loadSecrets, heldSecretValues, type Secrets } from './secrets.js';
export { hasGithubCredentials, loadDaemonSecrets } from './daemon-secrets.js';
export { initHome } from './home.js';

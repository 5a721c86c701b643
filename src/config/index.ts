export * from './schema.js';
export { parseConfig, loadConfig, describeZodError, deepFreeze } from './load.js';
export { resolveHome, homePaths, type HomePaths } from './paths.js';
export {
  loadSecrets,
  generateSecrets,
  generateVapidKeys,
  heldSecretValues,
  secretEnvValues,
  redactorFor,
  type Secrets,
  type SecretsFile,
} from './secrets.js';
export { initHome, isInitialised, defaultConfigFile, type InitResult } from './home.js';

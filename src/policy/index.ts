export {
  ACTION_SCHEMAS,
  ACTION_EFFECT,
  ACTION_SUMMARY,
  checkCatalog,
  isActionName,
  type ActionName,
  type ActionParams,
  type CatalogCheck,
} from './catalog.js';
export { PolicyGate, CARRIES_SECRET, globMatch, describePermissions, type Proposal, type Judgement, type Verdict } from './gate.js';
export { recheckForExecution, OWNER_CHANNELS, type OwnerChannel, type Recheck } from './recheck.js';

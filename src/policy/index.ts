export { ACTION_SCHEMAS, ACTION_SUMMARY, type ActionName, type ActionParams } from './catalog.js';
export { PolicyGate, describePermissions, type Proposal } from './gate.js';
export { recheckForExecution, type OwnerChannel } from './recheck.js';

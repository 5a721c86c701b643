import fs from 'node:fs';
import { loadConfig, loadSecrets } from '../config/index.js';
import { errorText } from '../errors.js';
import { MIN_NODE_MAJOR, NODE_FIX, unsupportedNode } from '../runtime.js';
import { fail, ok, warn, type Check } from './doctor.js';
import { shellLine } from './quote.js';

export const checkNode: Check = ({ host }, state) => {
  const detail = `v${host.nodeVersion} at ${host.execPath}`;
  const tooOld = unsupportedNode(host.nodeVersion);
  if (!tooOld) return ok('node', detail);
  // The checks that open the database would crash this node (better-sqlite3 13 on 20).
  state.storeUnreadable = tooOld;
  return fail('node', `${detail}: vigil needs ${MIN_NODE_MAJOR} or newer`, NODE_FIX);
};

const mode = (stat: fs.Stats) => (stat.mode & 0o777).toString(8).padStart(4, '0');

/** The home holds the database and the logs: others must not change it, and should not read it. */
export const checkHome: Check = ({ paths }) => {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(paths.home);
  } catch {
    return fail('home', `${paths.home} does not exist`, 'vigil init');
  }
  const chmod = shellLine(['chmod', '700', paths.home]);
  if (stat.mode & 0o022) return fail('home', `${paths.home} is mode ${mode(stat)}: others can change what vigil reads`, chmod);
  if (stat.mode & 0o055) return warn('home', `${paths.home} is mode ${mode(stat)}: others can read what vigil records`, chmod);
  return ok('home', `${paths.home} (mode ${mode(stat)})`);
};

/** docs/contract.md: secrets.json is mode 0600. */
export const checkSecrets: Check = ({ paths, env }) => {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(paths.secrets);
  } catch {
    return fail('secrets', `${paths.secrets} is missing`, 'vigil init (it creates a missing secrets.json)');
  }
  if (stat.mode & 0o077) {
    const who = stat.mode & 0o004 ? 'everyone on this machine' : 'its group';
    return fail('secrets', `${paths.secrets} is mode ${mode(stat)}: ${who} can read the webhook secret and tokens`, shellLine(['chmod', '600', paths.secrets]));
  }
  try {
    loadSecrets(paths.secrets, env);
  } catch (err) {
    return fail('secrets', errorText(err), `edit ${paths.secrets}`);
  }
  return ok('secrets', `${paths.secrets} (mode ${mode(stat)})`);
};

export const checkConfig: Check = ({ paths, env }, state) => {
  if (!fs.existsSync(paths.config)) return fail('config', `${paths.config} is missing`, 'vigil init (it asks what it needs, or takes every answer as a flag)');
  try {
    state.config = loadConfig(paths.config, env);
  } catch (err) {
    return fail('config', errorText(err), `edit ${paths.config} (the key is named)`);
  }
  const { permissions, model, tick } = state.config;
  return ok('config', `valid: mode ${permissions.mode}, provider ${model.provider}, ticks "${tick.schedule}"`);
};

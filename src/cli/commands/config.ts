import { loadConfig, previousConfigPath, rewriteConfigFile } from '../../config/index.js';
import { readDaemonInfo } from '../../home/index.js';
import { errorText, VigilError } from '../../errors.js';
import { requireHome, type CliContext } from '../context.js';

/**
 * `vigil config get KEY` and `vigil config set KEY VALUE` (issue 16): dot paths into
 * config.json (`tick.schedule`, `rules.0.name`). A new value is checked by the same
 * schema the daemon loads with before anything is written; the file it replaces is kept
 * as config.json.prev; a running daemon is sent SIGHUP and reloads.
 */

/** Names that would reach an object's prototype instead of a key of config.json. */
const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);

export function parseKey(key: string): string[] {
  const parts = key.split('.');
  if (key.trim() === '' || parts.some((p) => p === '' || FORBIDDEN.has(p))) {
    throw new VigilError('VIGIL_ERR_USAGE', `"${key}" is not a config key: use a dot path such as tick.schedule`);
  }
  return parts;
}

/** VALUE as JSON when it parses (`30`, `true`, `["*"]`, `{"url":"…"}`), else the text itself. */
export function parseValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function lookup(root: unknown, parts: readonly string[]): unknown {
  let current = root;
  for (const part of parts) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** A copy of `root` with the value at `parts` replaced; objects on the way are created. */
export function withValue(root: Record<string, unknown>, parts: readonly string[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(root);
  let current: Record<string, unknown> = copy;
  for (const [i, part] of parts.entries()) {
    if (i === parts.length - 1) {
      current[part] = value;
      break;
    }
    const next = Object.hasOwn(current, part) ? current[part] : undefined;
    if (next === undefined) current[part] = {};
    else if (next === null || typeof next !== 'object') {
      throw new VigilError('VIGIL_ERR_CONFIG', `${parts.slice(0, i + 1).join('.')}: is ${JSON.stringify(next)}, not an object with keys`);
    }
    current = current[part] as Record<string, unknown>;
  }
  return copy;
}

/** The value in effect: config.json with the schema's defaults filled in. */
export async function configGetCommand(ctx: CliContext, key: string, opts: { json?: boolean }): Promise<void> {
  requireHome(ctx);
  const parts = parseKey(key);
  // Without the environment's overrides: this is what the file (and its defaults) says.
  const value = lookup(loadConfig(ctx.paths.config, {}), parts);
  if (value === undefined) throw new VigilError('VIGIL_ERR_CONFIG_UNSET', `${key} (see config.schema.json for the keys)`);
  ctx.out(typeof value === 'string' && !opts.json ? value : JSON.stringify(value, null, opts.json ? 2 : undefined));
}

export async function configSetCommand(ctx: CliContext, key: string, text: string): Promise<void> {
  requireHome(ctx);
  const parts = parseKey(key);
  const file = ctx.paths.config;
  // The daemon's own check, before a byte is written: a refused value leaves the file as it was.
  const { after } = rewriteConfigFile(file, (raw) => withValue(raw, parts, parseValue(text)));
  ctx.out(`${key} = ${JSON.stringify(lookup(after, parts))}   (the previous file: ${previousConfigPath(file)})`);

  const daemon = readDaemonInfo(ctx.paths.daemon);
  if (!daemon) return ctx.out('no daemon runs: the next `vigil start` reads it');
  try {
    process.kill(daemon.pid, 'SIGHUP');
    ctx.out(`sent SIGHUP to vigil pid ${daemon.pid}: it reloads the config now (vigil log shows config.reloaded)`);
  } catch (err) {
    ctx.out(`could not signal vigil pid ${daemon.pid} (${errorText(err)}): vigil restart applies it`);
  }
}

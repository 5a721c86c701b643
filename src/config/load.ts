import fs from 'node:fs';
import type { ZodError, ZodIssue } from 'zod';
import { errorText, VigilError } from '../errors.js';
import { maskSecrets, urlPassword } from '../secrets/index.js';
import { ruleNameProblem } from './rule-names.js';
import { Config, StoreConfig } from './schema.js';

/**
 * Parse a config object once, then freeze it (docs/architecture.md, conventions). Components receive
 * their own slice of the frozen result, never the whole.
 */
export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const result = Config.safeParse(raw);
  if (!result.success) throw new VigilError('VIGIL_ERR_CONFIG', describeZodError(result.error));
  const misnamed = ruleNameProblem(result.data);
  if (misnamed) throw new VigilError('VIGIL_ERR_CONFIG', misnamed);
  return deepFreeze(applyEnv(withOwner(result.data), env));
}

export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new VigilError('VIGIL_ERR_CONFIG', `cannot read ${file}: ${errorText(err)}`, { cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new VigilError('VIGIL_ERR_CONFIG_JSON', `${file}: ${errorText(err)}`, { cause: err });
  }
  const config = parseConfig(raw, env);
  // Secrets belong in secrets.json, but an ntfy token or a smee channel URL (whoever holds
  // it reads every delivery) written here are no less secret: every exit masks them too.
  // So are the notification webhooks' URLs: the URL is the credential (issue 16).
  const webhookUrls = config.notify.webhooks.map((w) => w.url);
  // A store URL may carry the database's password.
  const storePassword = urlPassword(config.store.url);
  maskSecrets([config.notify.ntfy?.token, config.github.webhookProxyUrl, storePassword, ...webhookUrls].filter((v): v is string => Boolean(v)));
  return config;
}

/** `owner` (what `vigil init` writes) fills the older keys that say the same, when they are unset. */
function withOwner(config: Config): Config {
  const { login, timezone } = config.owner;
  return {
    ...config,
    github: { ...config.github, ...(login && !config.github.ownerLogin ? { ownerLogin: login } : {}) },
    tick: { ...config.tick, ...(timezone && !config.tick.timezone ? { timezone } : {}) },
  };
}

/**
 * `VIGIL_HOST` / `VIGIL_PORT` override the file (docs/contract.md); `DATABASE_URL` stands
 * in for an unset `store.url` (a service's environment file keeps the password out of
 * config.json).
 */
function applyEnv(config: Config, env: NodeJS.ProcessEnv): Config {
  const store = storeFromEnv(config, env);
  const http = { ...config.http };
  if (env.VIGIL_HOST?.trim()) http.host = env.VIGIL_HOST.trim();
  if (env.VIGIL_PORT?.trim()) {
    const port = Number(env.VIGIL_PORT);
    if (!/^\d+$/.test(env.VIGIL_PORT.trim()) || port > 65535) {
      throw new VigilError('VIGIL_ERR_CONFIG', `VIGIL_PORT: "${env.VIGIL_PORT}" is not a port number`);
    }
    http.port = port;
  }
  return { ...config, http, store };
}

function storeFromEnv(config: Config, env: NodeJS.ProcessEnv): Config['store'] {
  const url = env.DATABASE_URL?.trim();
  if (config.store.url || !url) return config.store;
  const parsed = StoreConfig.shape.url.safeParse(url);
  if (!parsed.success) throw new VigilError('VIGIL_ERR_CONFIG', 'DATABASE_URL: must be a postgres:// or postgresql:// URL');
  return { ...config.store, url };
}

/** One line naming the key and the problem, e.g. `tick.timezone: "Mars/Olympus" is not …`. */
export function describeZodError(error: ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'unknown problem';
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : '';
  return describeIssue(issue) + more;
}

function describeIssue(issue: ZodIssue): string {
  const at = issue.path.join('.');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => (at ? `${at}.${k}` : k));
    return `${keys.join(', ')}: unknown key${keys.length > 1 ? 's' : ''}`;
  }
  if (issue.code === 'invalid_type') {
    const expected = `expected ${issue.expected}, got ${issue.received}`;
    return `${at || '(root)'}: ${issue.received === 'undefined' ? 'is required' : expected}`;
  }
  return `${at || '(root)'}: ${issue.message}`;
}

export function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}

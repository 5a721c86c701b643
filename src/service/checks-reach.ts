import fs from 'node:fs';
import type { Config, Secrets } from '../config/index.js';
import { createProvider } from '../model/index.js';
import { notifyChecks } from '../notify/index.js';
import { openDb, PushSubscriptions, withStoreReader } from '../store/index.js';
import { fail, modelSecrets, needsConfig, ok, warn, type Check, type CheckResult, type MultiCheck } from './doctor.js';
import { errorText } from '../errors.js';
import { teamSubscriptionCount } from './checks-team.js';

const PROBE_TIMEOUT_MS = 5000;

/** What to GET to learn that a model endpoint answers and takes the key: its model list, which costs nothing. */
export function modelProbe(model: Readonly<Config['model']>, secrets: Partial<Secrets>, env: NodeJS.ProcessEnv): { url: string; headers: Record<string, string> } | string {
  if (model.provider === 'anthropic') {
    const key = secrets.anthropicApiKey;
    if (!key) return 'no API key: set ANTHROPIC_API_KEY, or anthropicApiKey in secrets.json';
    const base = (env.ANTHROPIC_BASE_URL?.trim() || model.baseURL || 'https://api.anthropic.com').replace(/\/+$/, '');
    return { url: `${base}/v1/models?limit=1`, headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01' } };
  }
  // Local OpenAI-compatible servers (Ollama, llama.cpp) take no key.
  const key = (secrets as { openaiApiKey?: string }).openaiApiKey ?? env.OPENAI_API_KEY?.trim();
  const base = (model.baseURL || 'https://api.openai.com/v1').replace(/\/+$/, '');
  return { url: `${base}/models`, headers: key ? { authorization: `Bearer ${key}` } : {} };
}

export async function probeModel(model: Readonly<Config['model']>, secrets: Partial<Secrets>, env: NodeJS.ProcessEnv): Promise<CheckResult> {
  const what = `${model.provider}${model.model ? ` (${model.model})` : ''}`;
  const probe = modelProbe(model, secrets, env);
  if (typeof probe === 'string') return fail('model', `${what}: ${probe}`, 'add the key, or set model.provider to "rules"');
  let status: number;
  try {
    const res = await fetch(probe.url, { headers: probe.headers, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    status = res.status;
    await res.arrayBuffer().catch(() => undefined);
  } catch (err) {
    const why = (err as Error & { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    return fail('model', `${what}: ${new URL(probe.url).origin} is unreachable (${why})`, 'check the network or model.baseURL');
  }
  if (status === 401 || status === 403) return fail('model', `${what}: the endpoint refused the API key (HTTP ${status})`, 'replace the key');
  if (status >= 200 && status < 300) return ok('model', `${what}: ${new URL(probe.url).origin} answers`);
  return warn('model', `${what}: ${new URL(probe.url).origin} answered HTTP ${status} to a model list request`);
}

export const checkModel: Check = async ({ paths, env }, state) => {
  const config = needsConfig('model', state);
  if ('name' in config) return config;
  if (config.model.provider === 'rules') return ok('model', 'rules provider: offline, nothing to reach');
  const secrets = modelSecrets(paths, env);
  try {
    // With the secrets and env the daemon would use: a missing key fails here as it would at start.
    createProvider(config.model, config.rules, { secrets, env });
  } catch (err) {
    return fail('model', errorText(err), 'set model.provider to "rules"');
  }
  return probeModel(config.model, secrets, env);
};

/**
 * The notification channels, as the notify room judges them (src/notify/doctor.ts):
 * web push subscriptions, the desktop session, ntfy. One line each.
 */
export const checkNotify: MultiCheck = async ({ paths, host }, state) => {
  const config = needsConfig('notify', state);
  if ('name' in config) return [config];
  if (config.store.url) {
    // A team's subscriptions are the database's: a phone subscribed through any node is reached from every node.
    const subscribed = await teamSubscriptionCount(state);
    if (typeof subscribed !== 'number') return [subscribed];
    const checks = await notifyChecks(config, { subscriptionCount: () => subscribed }, host.env);
    return checks.map((c) => ({
      name: c.name,
      status: c.level,
      detail: c.name === 'notify.push' && subscribed > 0 ? `${c.message} in the team's database` : c.message,
      ...(c.fix ? { fix: c.fix } : {}),
    }));
  }
  if (state.storeUnreadable) return [warn('notify', 'not checked: this Node.js cannot open the database (see the node line)')];
  // notifyChecks reads the subscriptions before it asks the session bus: the reader may close.
  const checks = await withSubscriptions(paths.db, (subscriptions) => notifyChecks(config, subscriptions, host.env));
  return checks.map((c) => ({ name: c.name, status: c.level, detail: c.message, ...(c.fix ? { fix: c.fix } : {}) }));
};

/** Read-only on the home's database; a home not started yet (or not yet migrated) has no subscriptions. */
function withSubscriptions<T>(file: string, use: (subscriptions: PushSubscriptions) => T): T {
  if (fs.existsSync(file)) {
    try {
      return withStoreReader(file, (reader) => use(reader.pushSubscriptions));
    } catch (err) {
      if (!/no such table/.test((err as Error).message)) throw err;
    }
  }
  const empty = openDb(':memory:');
  try {
    return use(new PushSubscriptions(empty));
  } finally {
    empty.close();
  }
}

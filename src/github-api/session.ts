import type { Clock } from '../clock.js';
import type { GithubConfig } from '../config/index.js';
import { VigilError } from '../errors.js';
import { eventRecord, type EventRecord } from '../events.js';
import type { Store } from '../store/index.js';
import { GithubClients } from './client.js';
import { addLabels, commentOnce, createIssueOnce } from './effects.js';
import { assign, merge, removeLabels, requestReview, rerunFailedJobs, setIssueState } from './hands.js';
import type { AnswerCache } from './conditional.js';
import { answerGithubQuery, assertWatched, parseGithubQuery, type WatchedRepos } from './reads.js';
import { kvSweepMemory } from './kv-sweep-memory.js';
import { sweepMissedDeliveries, type HookLocation } from './redeliver.js';
import type { GithubCredentials, GithubSession, SweepMemory, SweepResult } from './types.js';

export interface SessionOptions {
  /** The `github` slice of the config. */
  config: Readonly<GithubConfig>;
  /** Undefined when neither a token nor an App is configured: effects then fail, sweeps skip. */
  credentials: GithubCredentials | undefined;
  baseUrl: string;
  store: Store;
  clock: Clock;
  /** Stage a log record. */
  record: (record: EventRecord) => void;
  /** Watched clones (`repos[].name`): readable besides the `github.repos` patterns. */
  watchedNames?: readonly string[];
}

/** The worker's GitHub: effects and the missed-delivery sweep over one set of clients. */
export function openGithub(options: SessionOptions): GithubSession {
  const { config, credentials, store, clock, record } = options;
  const need = clientsOnDemand(credentials, options.baseUrl, clock, record);
  const effect = { ...(config.ownerLogin ? { ownerLogin: config.ownerLogin } : {}) };
  const watched: WatchedRepos = { patterns: config.repos, names: options.watchedNames ?? [] };

  return {
    comment: async (params, action) => commentOnce(await need().forRepo(params.repo), params, action, effect),
    createIssue: async (params, action) => createIssueOnce(await need().forRepo(params.repo), params, action, effect),
    label: async (params) => addLabels(await need().forRepo(params.repo), params),
    removeLabels: async (params) => removeLabels(await need().forRepo(params.repo), params),
    assign: async (params) => assign(await need().forRepo(params.repo), params),
    requestReview: async (params) => requestReview(await need().forRepo(params.repo), params),
    setState: async (params) => setIssueState(await need().forRepo(params.repo), params),
    rerunFailedJobs: async (params, action) =>
      rerunFailedJobs(await need().forRepo(params.repo), params, {
        asked: () => store.kv.get(`github.rerun.${action.id}`) ?? undefined,
        remember: (attempt) => store.kv.set(`github.rerun.${action.id}`, attempt),
      }),
    merge: async (params) => merge(await need().forRepo(params.repo), params),
    read: async (value, signal) => {
      const query = parseGithubQuery(value);
      assertWatched(query.repo, watched);
      return answerGithubQuery(await need().forRepo(query.repo), query, signal, keptAnswers(store, query.repo));
    },
    sweep: () => sweepHook(config, credentials ? need : undefined, { memory: kvSweepMemory(store, record, () => clock.now()), clock }),
  };
}

/**
 * The missed-delivery sweep over the configured hook (a home's worker and a team node's
 * share it): undefined without a hook id or credentials, a config error when the hook's
 * place is not said.
 */
export async function sweepHook(
  config: Readonly<GithubConfig>,
  need: (() => GithubClients) | undefined,
  deps: { memory: SweepMemory; clock: Clock },
): Promise<SweepResult | undefined> {
  if (config.hookId === undefined || !need) return undefined;
  const hook = hookLocation(config);
  if (!hook) {
    // Not a startup error: the public config example (docs/contract.md) sets hookId alone.
    const detail = `github.hookId: set github.hookRepo ("owner/repo") or github.hookOrg to say where hook ${config.hookId} lives`;
    throw new VigilError('VIGIL_ERR_CONFIG', detail);
  }
  const clients = need();
  const octokit = 'repo' in hook ? await clients.forRepo(hook.repo) : await clients.forOrg(hook.org);
  return sweepMissedDeliveries({ octokit, hook, ...deps });
}

/** The open-work digest's ETags and answers per repository, in the store: a worker that exits idle keeps them. */
function keptAnswers(store: Store, repo: string): AnswerCache {
  const key = `github.etags.${repo.toLowerCase()}` as const;
  return { load: () => store.kv.get(key) ?? {}, save: (kept) => store.kv.set(key, kept) };
}

function hookLocation(config: Readonly<GithubConfig>): HookLocation | undefined {
  if (config.hookId === undefined) return undefined;
  if (config.hookRepo) return { id: config.hookId, repo: config.hookRepo };
  if (config.hookOrg) return { id: config.hookId, org: config.hookOrg };
  return undefined;
}

/** A token wins over an App: it is the simpler, explicit choice (and `GITHUB_TOKEN` overrides the file). */
export function githubCredentials(
  secrets: { githubToken?: string; githubApp?: { appId: number; privateKey: string } },
  config: Readonly<GithubConfig>,
): GithubCredentials | undefined {
  if (secrets.githubToken) return { kind: 'token', token: secrets.githubToken };
  if (secrets.githubApp) {
    return {
      kind: 'app',
      ...secrets.githubApp,
      ...(config.installationId !== undefined ? { installationId: config.installationId } : {}),
    };
  }
  return undefined;
}

/**
 * The Octokit clients for these credentials, built once; without credentials each effect
 * fails with what to set (the SQLite worker's session and a team node's share it).
 */
export function clientsOnDemand(credentials: GithubCredentials | undefined, baseUrl: string, clock: Clock, record: (record: EventRecord) => void): () => GithubClients {
  const clients = credentials
    ? new GithubClients({
        credentials,
        baseUrl,
        onRateLimited: (notice) => record(eventRecord('github.rate_limited', { ...notice }, clock.now())),
      })
    : undefined;
  return () => {
    if (!clients) {
      throw new VigilError(
        'VIGIL_ERR_GITHUB_CREDENTIALS',
        'set GITHUB_TOKEN or secrets.json "githubToken", or a GitHub App in secrets.json "githubApp"',
      );
    }
    return clients;
  };
}

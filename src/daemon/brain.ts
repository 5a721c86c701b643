/**
 * What a single daemon decides with and when its ticks come, built from its config: the
 * parts a SIGHUP rebuilds (daemon.ts `reload`). GitHub reads — a decision's tools and the
 * ticks' open-work digest (issue 15) — are asked of the worker, which alone holds the
 * credentials; they are offered only when the home has some.
 */
import type { Clock } from '../clock.js';
import { hasGithubCredentials, type Config, type Secrets } from '../config/index.js';
import type { GithubQuery } from '../github-api/index.js';
import type { HomePaths } from '../home/index.js';
import { decisionToolbox, Initiative, ownerProfile, triageConfig, type InitiativeDeps } from '../initiative/index.js';
import type { Journal } from '../journal/index.js';
import { createProvider, type ProviderDeps } from '../model/index.js';
import type { Store } from '../store/index.js';
import { openWorkRepos, openWorkSource, TickService, type OpenWorkSource } from '../tick/index.js';

export interface BrainParts {
  store: Store;
  journal: Journal;
  clock: Clock;
  paths: HomePaths;
  secrets: Secrets;
  /** What the model providers get: every secret, so none may leave through a prompt or a log line. */
  providerDeps: ProviderDeps;
  /** A read the worker answers. */
  githubRead: (query: GithubQuery, signal: AbortSignal) => Promise<string>;
  /** How the decisions report to the daemon: approvals to ask for, work for the worker, a store in trouble. */
  hooks: Pick<InitiativeDeps, 'onApproved' | 'onApprovalRequested' | 'onAnswered' | 'pace' | 'storeFailed' | 'storeRecovered'>;
  /** A scheduled tick failed. */
  tickFailed: (err: unknown) => void;
}

/** How a decision is judged under `config`, the same on a single daemon and a team node. */
export function decisionSettings(config: Readonly<Config>) {
  return {
    permissions: config.permissions,
    repos: config.repos,
    triage: triageConfig(config),
    coalesceMs: config.github.coalesceSeconds * 1000,
    owner: ownerProfile(config.owner, config.tick.timezone),
    // Who speaks as the owner on GitHub: `owner.login`, or the user an App is installed on.
    voice: { login: config.github.ownerLogin, handle: config.owner.handle ?? 'vigil' },
  };
}

export function buildInitiative(config: Readonly<Config>, parts: BrainParts): Initiative {
  const { store, journal, clock, paths } = parts;
  return new Initiative({
    store,
    journal,
    clock,
    provider: createProvider(config.model, config.rules, parts.providerDeps),
    ...decisionSettings(config),
    memoryDir: paths.memory,
    logsDir: paths.logs,
    heartbeatFile: paths.heartbeat,
    toolbox: decisionToolbox({
      model: config.model,
      repos: config.repos,
      store,
      memoryDir: paths.memory,
      logsDir: paths.logs,
      journal,
      clock,
      ...(hasGithubCredentials(parts.secrets) ? { githubReads: parts.githubRead } : {}),
    }),
    ...parts.hooks,
  });
}

/** The schedule's ticks, each enqueued for the decisions (`wake`). */
export function buildTicks(config: Readonly<Config>, parts: BrainParts, wake: () => void): TickService {
  return new TickService(config.tick, config.repos, {
    store: parts.store,
    journal: parts.journal,
    clock: parts.clock,
    onEnqueued: wake,
    onError: parts.tickFailed,
    workingHours: config.owner.workingHours,
    openWork: openWorkOf(config, parts),
  });
}

/** The ticks' open-work digest, read through the worker; none without credentials or repositories to look at. */
export function openWorkOf(config: Readonly<Config>, parts: Pick<BrainParts, 'secrets' | 'githubRead'>): OpenWorkSource | undefined {
  if (!hasGithubCredentials(parts.secrets)) return undefined;
  const repos = openWorkRepos(config);
  if (!repos.length) return undefined;
  return openWorkSource({ reads: parts.githubRead, repos, owner: config.github.ownerLogin, staleDays: config.tick.staleDays });
}

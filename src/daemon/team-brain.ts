/**
 * What a team node decides with and what its ticks look at, built from its config: the
 * parts a SIGHUP rebuilds (team-daemon.ts `reload`). GitHub reads go to the node's
 * worker, which alone holds the credentials; they are offered only when the home has some.
 */
import type { Clock } from '../clock.js';
import { hasGithubCredentials, type Config, type Secrets } from '../config/index.js';
import type { EventRecord } from '../events.js';
import type { GithubQuery } from '../github-api/index.js';
import { ownerProfile, teamDecisionToolbox, teamHistory, triageConfig, type TeamDecider } from '../initiative/index.js';
import { teamMemorySource } from '../memory/index.js';
import { createProvider } from '../model/index.js';
import type { PgStore } from '../store/index.js';
import { openWorkRepos, openWorkSource, type TeamWorldOptions } from '../tick/index.js';

export interface TeamBrainParts {
  secrets: Secrets;
  env: NodeJS.ProcessEnv;
  clock: Clock;
  home: string;
  heartbeatFile: string;
  /** A read the node's worker answers. */
  githubRead: (query: GithubQuery, signal: AbortSignal) => Promise<string>;
  /** A `decision.tool` line for this node's chain; one that cannot be written is only warned about. */
  record: (record: EventRecord) => void;
}

/**
 * What the node decides with under `config`; throws (VIGIL_ERR_SECRETS, VIGIL_ERR_CONFIG)
 * when its provider cannot be built. Without a store yet (the start's first check) it has
 * no tools: they read the store.
 */
export function teamDecider(config: Readonly<Config>, store: PgStore | undefined, parts: TeamBrainParts): TeamDecider {
  const { clock } = parts;
  const toolbox = store
    ? teamDecisionToolbox({
        model: config.model,
        repos: config.repos,
        history: teamHistory(store),
        memory: teamMemorySource(parts.home, store),
        journal: { write: parts.record },
        clock,
        ...(hasGithubCredentials(parts.secrets) ? { githubReads: parts.githubRead } : {}),
      })
    : undefined;
  return {
    // Model providers get every secret the node holds: none may leave through a prompt or a log line.
    provider: createProvider(config.model, config.rules, { secrets: parts.secrets, env: parts.env, clock }),
    rules: config.rules,
    permissions: config.permissions,
    triage: triageConfig(config),
    coalesceMs: config.github.coalesceSeconds * 1000,
    // Who the owner is, as the single daemon judges it (daemon.ts): `owner.login`, or the user an App is installed on.
    voice: { login: config.github.ownerLogin, handle: config.owner.handle ?? 'vigil' },
    repos: config.repos,
    owner: ownerProfile(config.owner, config.tick.timezone),
    heartbeatFile: parts.heartbeatFile,
    ...(toolbox ? { toolbox } : {}),
  };
}

/**
 * What the node's ticks look at besides the database: its watched clones, the owner's
 * hours, and the open-work digest asked of its worker (as brain.ts `openWorkOf` for a single daemon).
 */
export function teamTickWorld(config: Readonly<Config>, parts: Pick<TeamBrainParts, 'secrets' | 'githubRead'>): TeamWorldOptions {
  const repos = openWorkRepos(config);
  const openWork = hasGithubCredentials(parts.secrets) && repos.length
    ? openWorkSource({ reads: parts.githubRead, repos, owner: config.github.ownerLogin, staleDays: config.tick.staleDays })
    : undefined;
  return { repos: config.repos, timezone: config.tick.timezone, workingHours: config.owner.workingHours, ...(openWork ? { openWork } : {}) };
}

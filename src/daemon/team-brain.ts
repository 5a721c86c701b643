/**
 * What a team node decides with and what its ticks look at, built from its config: the
 * parts a SIGHUP rebuilds (team-daemon.ts `reload`). GitHub reads go to the node's
 * worker, which alone holds the credentials; they are offered only when the home has some.
 */
import type { Clock } from '../clock.js';
import { hasGithubCredentials, type Config, type Secrets } from '../config/index.js';
import type { EventRecord } from '../events.js';
import type { GithubQuery } from '../github-api/index.js';
import { teamDecisionToolbox, teamHistory, type TeamDecider } from '../initiative/index.js';
import { teamMemorySource } from '../memory/index.js';
import { createProvider } from '../model/index.js';
import type { PgStore } from '../store/index.js';
import type { TeamWorldOptions } from '../tick/index.js';
import { decisionSettings, openWorkOf } from './brain.js';

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
    ...decisionSettings(config),
    heartbeatFile: parts.heartbeatFile,
    ...(toolbox ? { toolbox } : {}),
  };
}

/**
 * What the node's ticks look at besides the database: its watched clones, the owner's
 * hours, and the open-work digest asked of its worker (brain.ts `openWorkOf`, as on a single daemon).
 */
export function teamTickWorld(config: Readonly<Config>, parts: Pick<TeamBrainParts, 'secrets' | 'githubRead'>): TeamWorldOptions {
  const openWork = openWorkOf(config, parts);
  return { repos: config.repos, timezone: config.tick.timezone, workingHours: config.owner.workingHours, ...(openWork ? { openWork } : {}) };
}

/**
 * What a team node's worker carries out (issue 19), each effect idempotent by its action:
 * a worker that dies after the effect and before the record leaves the action to its
 * lease, and whoever claims it next must not repeat the effect. The GitHub actions look
 * for their mark (src/github-api: the comment's marker, state read back, a re-run's
 * attempt number in the action's row); the local ones are in team-local.ts.
 */
import type { TeamGithubSession } from '../github-api/index.js';
import type { ActionName, ActionParams } from '../policy/index.js';
import type { PgAction } from '../store/index.js';
import { teamAgentTask, type TeamAgentContext } from './team-agent.js';
import { TEAM_LOCAL_HANDLERS } from './team-local.js';

/** What an effect may reach besides its action. */
export interface TeamEffects extends TeamAgentContext {
  /** The worker's GitHub, opened (and Octokit loaded) on first use. */
  github: () => Promise<TeamGithubSession>;
  /** The author GitHub named on a write: the login the team acts as, for every node's own-echo check. */
  actingLogin: (login: string) => Promise<void>;
}

export type TeamHandler = (params: Record<string, unknown>, action: PgAction, effects: TeamEffects) => Promise<unknown>;

const ref = (action: PgAction) => ({ id: action.id, createdAt: action.createdAt });

/**
 * A comment or issue names its author: the login vigil acts as. Nodes hold no credential
 * to ask GitHub who that is, so the worker that wrote says it (as the SQLite worker's
 * `rememberAuthor`); a delivery that login sends is then set aside on every node.
 */
async function withAuthor<T extends { author?: string }>(written: T, effects: TeamEffects): Promise<T> {
  if (written.author) await effects.actingLogin(written.author);
  return written;
}

const GITHUB_HANDLERS: Partial<Record<ActionName, TeamHandler>> = {
  'github.comment': async (p, a, e) => withAuthor(await (await e.github()).comment(p as ActionParams<'github.comment'>, ref(a)), e),
  'github.create_issue': async (p, a, e) => withAuthor(await (await e.github()).createIssue(p as ActionParams<'github.create_issue'>, ref(a)), e),
  'github.label': async (p, _a, e) => (await e.github()).label(p as ActionParams<'github.label'>),
  'github.remove_label': async (p, _a, e) => (await e.github()).removeLabels(p as ActionParams<'github.remove_label'>),
  'github.assign': async (p, _a, e) => (await e.github()).assign(p as ActionParams<'github.assign'>),
  'github.request_review': async (p, _a, e) => (await e.github()).requestReview(p as ActionParams<'github.request_review'>),
  'github.close': async (p, _a, e) => (await e.github()).setState({ ...(p as ActionParams<'github.close'>), state: 'closed' }),
  'github.reopen': async (p, _a, e) => (await e.github()).setState({ ...(p as ActionParams<'github.reopen'>), state: 'open' }),
  'github.rerun_failed_jobs': async (p, a, e) => (await e.github()).rerunFailedJobs(p as ActionParams<'github.rerun_failed_jobs'>, ref(a)),
  'github.merge': async (p, _a, e) => (await e.github()).merge(p as ActionParams<'github.merge'>),
};

/** Every action a team node runs. */
export const TEAM_HANDLERS: Partial<Record<ActionName, TeamHandler>> = { ...GITHUB_HANDLERS, ...TEAM_LOCAL_HANDLERS, 'agent.task': teamAgentTask };

export type { TeamLane } from './team-claimable.js';

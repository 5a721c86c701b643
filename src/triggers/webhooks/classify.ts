import type { GithubConfig } from '../../config/index.js';
import { globMatch } from '../../glob.js';

/** `github.<event>.<action>`, or `github.<event>` for events without an action (push, ping). */
export function deliveryKind(event: string, payload: unknown): string {
  const action = (payload as { action?: unknown } | null)?.action;
  return typeof action === 'string' && action ? `github.${event}.${action}` : `github.${event}`;
}

export function repositoryOf(payload: unknown): string | undefined {
  const name = (payload as { repository?: { full_name?: unknown } } | null)?.repository?.full_name;
  return typeof name === 'string' ? name : undefined;
}

/**
 * Why a stored delivery does not reach the initiative, or undefined when it does.
 * Filtered deliveries are stored and logged all the same: never dropped silently.
 */
export function filterReason(filter: Readonly<GithubConfig>, event: string, payload: unknown): string | undefined {
  if (event === 'ping') return 'ping: GitHub checking the hook';
  const action = (payload as { action?: unknown } | null)?.action;
  const names = typeof action === 'string' ? [event, `${event}.${action}`] : [event];
  if (!filter.events.some((pattern) => names.some((name) => globMatch(pattern, name)))) {
    return `event ${names.at(-1)} is not in github.events`;
  }
  const repo = repositoryOf(payload);
  if (repo && !filter.repos.some((pattern) => globMatch(pattern, repo))) return `repository ${repo} is not in github.repos`;
  return undefined;
}

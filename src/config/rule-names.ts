import { emitterEventNames } from '@octokit/webhooks';
import { ACTION_NAMES } from '../action-names.js';
import { globMatch } from '../glob.js';
import { DEFAULT_SKIP_EVENTS, type Config } from './schema.js';
import { nearest } from './suggest.js';

/**
 * Names in rules that can be checked: event kinds against GitHub's webhook events and
 * their actions (`@octokit/webhooks`' definitions) and the tick, action names against
 * the catalog. A typo (`github.issue.opened`, `github.lable`) would otherwise be a rule
 * that never matches or an action the gate refuses, found out only when it mattered.
 */
export const EVENT_KINDS: readonly string[] = ['tick', ...emitterEventNames.map((name) => `github.${name}`)];

/** Each event alone and each event with any action: what a pattern is compared with for a suggestion. */
const SUGGESTIONS: readonly string[] = [
  ...EVENT_KINDS,
  ...emitterEventNames.filter((name) => !name.includes('.')).map((name) => `github.${name}.*`),
];

function didYouMean(typo: string, known: readonly string[]): string {
  const guess = nearest(typo, known);
  return guess ? `; did you mean "${guess}"?` : '';
}

/** Why a pattern over event kinds can match nothing, or undefined when it names a real kind. */
export function eventKindProblem(pattern: string): string | undefined {
  if (EVENT_KINDS.some((kind) => globMatch(pattern, kind))) return undefined;
  return `"${pattern}" matches no event kind (tick, or github.<event>[.<action>] as GitHub names them)${didYouMean(pattern, SUGGESTIONS)}`;
}

/** Why an action (a pattern in permissions) names nothing in the catalog, or undefined. */
export function actionProblem(pattern: string, isPattern: boolean): string | undefined {
  if (isPattern ? ACTION_NAMES.some((name) => globMatch(pattern, name)) : (ACTION_NAMES as readonly string[]).includes(pattern)) return undefined;
  return `"${pattern}" is not in the action catalog (${ACTION_NAMES.join(', ')})${didYouMean(pattern, ACTION_NAMES)}`;
}

/**
 * The first name in the config that matches nothing, as `key: problem` with the key as the
 * owner wrote it (`rules[0].on`); the rule's name follows when it has one.
 */
export function ruleNameProblem(config: Config): string | undefined {
  for (const [i, rule] of config.rules.entries()) {
    const named = rule.name ? ` (rule "${rule.name}")` : '';
    const on = eventKindProblem(rule.on);
    if (on) return `rules[${i}].on${named}: ${on}`;
    const action = actionProblem(rule.propose.action, false);
    if (action) return `rules[${i}].propose.action${named}: ${action}`;
  }
  for (const [i, rule] of config.permissions.rules.entries()) {
    const action = actionProblem(rule.action, true);
    if (action) return `permissions.rules[${i}].action: ${action}`;
  }
  for (const [i, pattern] of config.model.skipEvents.entries()) {
    // The defaults cover every CI state GitHub has sent over the years, some no longer in its definitions.
    const problem = DEFAULT_SKIP_EVENTS.includes(pattern) ? undefined : eventKindProblem(pattern);
    if (problem) return `model.skipEvents[${i}]: ${problem}`;
  }
  return undefined;
}

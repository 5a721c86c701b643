import type { DecisionRule } from '../config/index.js';
import { globMatch } from '../glob.js';
import type { Decision, DecisionEvent, DecisionRequest, DecisionResult, ModelProvider, ProposalInput } from './decision.js';
import { fillTemplate, getPath } from './template.js';

/**
 * The offline provider: owner-written rules map event kinds (with simple field
 * matches) to proposals. Deterministic, free, and what vigil runs with when there is
 * no API key. Every matching rule contributes its proposal.
 */
export class RulesProvider implements ModelProvider {
  readonly name = 'rules';

  constructor(private readonly rules: readonly DecisionRule[]) {}

  async decide(request: DecisionRequest): Promise<DecisionResult> {
    return { decision: applyRules(this.rules, request.event).decision, model: 'rules' };
  }
}

/**
 * What the rules say about an event: every matching rule's proposal, its params filled
 * from the event. `only` narrows the rules that may match (with a model provider, those
 * marked `"decide": "rules"`); a rule is named by its `name`, else by its place in the
 * config (`rules[2]`). `matched` is empty when no rule matches.
 */
export function applyRules(
  rules: readonly DecisionRule[],
  event: DecisionEvent,
  only: (rule: DecisionRule) => boolean = () => true,
): { decision: Decision; matched: string[] } {
  const scope = { kind: event.kind, source: event.source, deliveryId: event.deliveryId, payload: event.payload };
  const proposals: ProposalInput[] = [];
  const matched: string[] = [];
  for (const [index, rule] of rules.entries()) {
    if (!only(rule) || !globMatch(rule.on, event.kind)) continue;
    if (!matchesFields(rule.match, scope)) continue;
    const name = rule.name ?? `rules[${index}]`;
    matched.push(name);
    proposals.push({
      action: rule.propose.action,
      params: fillTemplate(rule.propose.params, scope) as Record<string, unknown>,
      rationale: rule.propose.rationale ?? `${name} matches ${event.kind}`,
    });
  }
  const summary = matched.length
    ? `${event.kind}: rule${matched.length > 1 ? 's' : ''} ${matched.join(', ')} matched`
    : `${event.kind}: no rule matches`;
  return { decision: { act: proposals.length > 0, summary, proposals }, matched };
}

function matchesFields(match: DecisionRule['match'], scope: unknown): boolean {
  if (!match) return true;
  return Object.entries(match).every(([path, expected]) => {
    const actual = getPath(scope, path);
    return typeof expected === 'string' && typeof actual === 'string' ? globMatch(expected, actual) : actual === expected;
  });
}

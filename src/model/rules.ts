import type { DecisionRule } from '../config/index.js';
import { globMatch } from '../policy/index.js';
import type { DecisionRequest, DecisionResult, ModelProvider, ProposalInput } from './decision.js';
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
    const { event } = request;
    const scope = { kind: event.kind, source: event.source, deliveryId: event.deliveryId, payload: event.payload };
    const proposals: ProposalInput[] = [];
    const matched: number[] = [];
    for (const [index, rule] of this.rules.entries()) {
      if (!globMatch(rule.on, event.kind)) continue;
      if (!matchesFields(rule.match, scope)) continue;
      matched.push(index);
      proposals.push({
        action: rule.propose.action,
        params: fillTemplate(rule.propose.params, scope) as Record<string, unknown>,
        rationale: rule.propose.rationale ?? `rules[${index}] matches ${event.kind}`,
      });
    }
    const summary = matched.length
      ? `${event.kind}: rule${matched.length > 1 ? 's' : ''} ${matched.map((i) => `rules[${i}]`).join(', ')} matched`
      : `${event.kind}: no rule matches`;
    return { decision: { act: proposals.length > 0, summary, proposals }, model: 'rules' };
  }
}

function matchesFields(match: DecisionRule['match'], scope: unknown): boolean {
  if (!match) return true;
  return Object.entries(match).every(([path, expected]) => {
    const actual = getPath(scope, path);
    return typeof expected === 'string' && typeof actual === 'string' ? globMatch(expected, actual) : actual === expected;
  });
}

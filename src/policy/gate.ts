import type { PermissionsConfig } from '../config/index.js';
import { globMatch } from '../glob.js';
import { secretMask, type SecretMask } from '../secrets/index.js';
import { ACTION_EFFECT, NAMED_RULE_ONLY, checkCatalog, type ActionName } from './catalog.js';

export type Verdict = 'allow' | 'ask' | 'deny';

export interface Proposal {
  action: string;
  params: unknown;
  rationale?: string;
}

/** The reason of every proposal denied for holding a secret vigil holds (issue 12). */
export const CARRIES_SECRET = 'carries a secret';

export interface Judgement {
  verdict: Verdict;
  reason: string;
  /** Set when the proposal passed the catalog. */
  action?: ActionName;
  params?: Record<string, unknown>;
  repo?: string;
}

/**
 * The policy gate: deterministic code, not the model. It reads only the proposal, the
 * owner's permissions and the secrets vigil holds — never the event that led to it —
 * so nothing a webhook says can widen what vigil may do.
 */
export class PolicyGate {
  /**
   * `secrets`: what no proposal may carry; by default the process's mask
   * (src/secrets/mask.ts), asked at each judgement.
   */
  constructor(
    private readonly permissions: Readonly<PermissionsConfig>,
    private readonly secrets: () => Pick<SecretMask, 'carries' | 'redactValue'> = secretMask,
  ) {}

  judge(proposal: Proposal): Judgement {
    // Before anything else, whatever a rule says: a secret in a proposal means the model
    // was shown one and was talked into sending it somewhere. Never run, never asked —
    // an approval would show it to whoever reads the notification. What is kept of the
    // params is their redacted copy.
    const mask = this.secrets();
    if (mask.carries(proposal)) {
      return { verdict: 'deny', reason: CARRIES_SECRET, params: mask.redactValue(asParams(proposal.params)) };
    }
    // Layer 1: the catalog.
    const checked = checkCatalog(proposal.action, proposal.params);
    if (!checked.ok) return { verdict: 'deny', reason: checked.reason };
    const { action, params } = checked;
    // GitHub names are case-insensitive: `Octo/Secret` must not slip past a rule on `octo/secret`.
    const repo = typeof params.repo === 'string' ? params.repo.toLowerCase() : undefined;
    const base = { action, params, ...(repo ? { repo } : {}) };

    // Layer 2: the daemon mode.
    const mode = this.permissions.mode;
    if (mode === 'observe') {
      return action === 'memory.note'
        ? { ...base, verdict: 'allow', reason: 'observe mode allows memory notes' }
        : { ...base, verdict: 'deny', reason: 'observe mode: nothing executes but memory notes' };
    }
    if (mode === 'suggest') return { ...base, verdict: 'ask', reason: 'suggest mode: everything asks' };

    // Layer 3: the owner's rules, first match wins; then the defaults.
    for (const [index, rule] of this.permissions.rules.entries()) {
      if (!globMatch(rule.action, action)) continue;
      if (rule.repo && !(repo && globMatch(rule.repo.toLowerCase(), repo))) continue;
      if (rule.decision === 'allow' && NAMED_RULE_ONLY.has(action) && rule.action !== action) {
        return { ...base, verdict: 'ask', reason: `permissions.rules[${index}] allows ${action} only when its action names it` };
      }
      return { ...base, verdict: rule.decision, reason: `permissions.rules[${index}]` };
    }
    return { ...base, ...defaultVerdict(action) };
  }
}

function asParams(params: unknown): Record<string, unknown> {
  return params !== null && typeof params === 'object' && !Array.isArray(params) ? (params as Record<string, unknown>) : { value: params };
}

function defaultVerdict(action: ActionName): { verdict: Verdict; reason: string } {
  return ACTION_EFFECT[action] === 'external'
    ? { verdict: 'ask', reason: 'default: effects outside the machine ask' }
    : { verdict: 'allow', reason: 'default: local actions are allowed' };
}

/** One paragraph for the model's prompt: what the owner allows. */
export function describePermissions(permissions: Readonly<PermissionsConfig>): string {
  const lines = [`mode: ${permissions.mode}`];
  for (const rule of permissions.rules) {
    lines.push(`- ${rule.action}${rule.repo ? ` on ${rule.repo}` : ''}: ${rule.decision}`);
  }
  lines.push('- otherwise: effects outside the machine ask the owner; notify, memory.note and remind are allowed');
  lines.push('- github.merge is allowed only by a rule that names it; a wildcard rule that allows it still asks');
  return lines.join('\n');
}

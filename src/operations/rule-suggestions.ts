import { rewriteConfigFile, withPermissionRule, type PermissionRule, type PermissionsConfig } from '../config/index.js';
import { VigilError } from '../errors.js';
import { eventRecord } from '../events.js';
import { PolicyGate } from '../policy/index.js';
import type { ActionRecord, RuleSuggestion } from '../store/index.js';
import type { OperationDeps } from './deps.js';

/** How long a suggestion's link stays good: it is not urgent, but it does not live forever. */
export const SUGGESTION_TTL_MS = 7 * 24 * 3_600_000;

/**
 * Actions no suggestion ever offers a standing allow for: a merge is irreversible and
 * each is of one head the owner looked at; a rule that allows merges is written by hand.
 */
const NEVER_SUGGESTED: ReadonlySet<string> = new Set(['github.merge']);

/** The rule a suggestion stands for: this action, on exactly this repository, allowed. */
export function suggestedRule(s: Pick<RuleSuggestion, 'action' | 'repo'>): PermissionRule {
  return { action: s.action, repo: s.repo, decision: 'allow' };
}

/**
 * The pair (action, repository) an approval could lead to a suggestion for, before any
 * count: approved, on a repository, in `auto` mode with `suggestAfter` set, never a merge,
 * asked about by the policy today and allowed by the suggested rule. The team's
 * suggestions (team-rule-suggestions.ts) judge by the same.
 */
export function suggestible(
  permissions: Readonly<PermissionsConfig>,
  approved: { action: string; repo: string | null; params: unknown; state: string },
): { action: string; repo: string } | undefined {
  const { action, repo } = approved;
  if (approved.state !== 'approved' || !repo || permissions.mode !== 'auto' || permissions.suggestAfter === 0) return undefined;
  if (NEVER_SUGGESTED.has(action)) return undefined;
  const rule = suggestedRule({ action, repo });
  const proposal = { action, params: approved.params };
  // Only what the policy asks about today, and only a rule that would really have allowed it.
  if (new PolicyGate(permissions).judge(proposal).verdict !== 'ask') return undefined;
  if (new PolicyGate({ ...permissions, rules: [rule, ...permissions.rules] }).judge(proposal).verdict !== 'allow') return undefined;
  return { action, repo };
}

/** Never stored, but a rule allowing a merge is never written from a link whatever the store says. */
export function refuseNeverSuggested(action: string, id: string): void {
  if (NEVER_SUGGESTED.has(action)) throw new VigilError('VIGIL_ERR_SUGGESTION_CLOSED', `${id}: ${action} is never allowed from a link`);
}

/**
 * After the owner approved `approved` (issue 15): when that action on that repository has
 * now been approved `permissions.suggestAfter` times since its last denial and since the
 * last suggestion for it, and the policy asks about it today while the suggested rule
 * would allow it, a suggestion is recorded (`rule.suggested`) and returned for the owner's
 * notification. Never for `github.merge`; only in `auto` mode (elsewhere a rule changes
 * nothing); never while an earlier offer for the same pair is still open.
 */
export function considerRuleSuggestion(deps: OperationDeps, permissions: Readonly<PermissionsConfig>, approved: ActionRecord): RuleSuggestion | undefined {
  const { store, clock } = deps;
  const pair = suggestible(permissions, approved);
  if (!pair) return undefined;
  const { action, repo } = pair;
  const now = clock.now();
  const suggestion = store.transaction(() => {
    const answers = store.ownerAnswers;
    const latest = answers.latestSuggestion(action, repo);
    if (latest?.state === 'offered' && latest.expiresAt > now) return undefined;
    const since = Math.max(answers.lastDenial(action, repo) ?? 0, latest?.createdAt ?? 0);
    const approvals = answers.approvalsSince(action, repo, since);
    if (approvals < permissions.suggestAfter) return undefined;
    const offered = answers.offer({ action, repo, approvals }, now, now + SUGGESTION_TTL_MS);
    store.outbox.add(
      eventRecord('rule.suggested', { suggestionId: offered.id, action, repo, approvals, expiresAt: new Date(offered.expiresAt).toISOString() }, now),
    );
    return offered;
  });
  if (suggestion) deps.journal.flush();
  return suggestion;
}

/**
 * The owner accepted a suggestion through its capability link (the caller checked the
 * token: genuine, for this suggestion, bound to its expiry). The rule goes first into
 * config.json as the file is now — schema-checked, the previous file kept as
 * config.json.prev — and only then is the token's nonce spent and the suggestion marked
 * accepted (`rule.accepted`): a config.json that cannot be rewritten leaves the link good.
 * The caller reloads the daemon's config. Throws VIGIL_ERR_SUGGESTION_NOT_FOUND,
 * VIGIL_ERR_SUGGESTION_CLOSED, VIGIL_ERR_CAPABILITY (a nonce spent before),
 * VIGIL_ERR_CONFIG / _CONFIG_JSON (the file as it is on disk).
 */
export function acceptRuleSuggestion(
  deps: OperationDeps,
  opts: { configFile: string; id: string; nonce: string; by: string },
): { suggestion: RuleSuggestion; rule: PermissionRule; added: boolean } {
  const { store, clock } = deps;
  const now = clock.now();
  const suggestion = store.ownerAnswers.suggestion(opts.id);
  if (!suggestion) throw new VigilError('VIGIL_ERR_SUGGESTION_NOT_FOUND', opts.id);
  if (suggestion.state !== 'offered') throw new VigilError('VIGIL_ERR_SUGGESTION_CLOSED', `${opts.id} was accepted already`);
  if (suggestion.expiresAt <= now) throw new VigilError('VIGIL_ERR_SUGGESTION_CLOSED', `${opts.id} expired`);
  refuseNeverSuggested(suggestion.action, opts.id);
  const rule = suggestedRule(suggestion);
  const { before, after } = rewriteConfigFile(opts.configFile, (raw) => withPermissionRule(raw, rule));
  const added = before !== after && JSON.stringify(before) !== JSON.stringify(after);
  store.transaction(() => {
    if (!store.capabilityUses.spend(opts.nonce, opts.id, now)) throw new VigilError('VIGIL_ERR_CAPABILITY', 'the token was already used');
    if (!store.ownerAnswers.accept(opts.id, now)) throw new VigilError('VIGIL_ERR_SUGGESTION_CLOSED', `${opts.id} was accepted already`);
    store.outbox.add(eventRecord('rule.accepted', { suggestionId: opts.id, action: rule.action, repo: rule.repo!, by: opts.by, added }, now));
  });
  deps.journal.flush();
  return { suggestion: store.ownerAnswers.suggestion(opts.id)!, rule, added };
}

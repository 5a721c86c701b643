/**
 * Rule suggestions on a team (issue 15 on PostgreSQL, issue 19): the single daemon's
 * (rule-suggestions.ts) over the team's answers. Whoever takes an approval — a node's
 * capability route or page, or `vigil approve` straight to the database — considers the
 * offer after its answer committed, counting every node's answers; the offer, its
 * `rule.suggested` line and its notice (sent by whichever node's worker claims it) commit
 * together, one offer per pair across nodes (an advisory lock on the pair). The link is
 * accepted on the node it reaches: the rule goes into that node's home's config.json, and
 * the token's nonce is spent in the team's `capability_uses`, so a token adds once across
 * all nodes.
 */
import type { Clock } from '../clock.js';
import { rewriteConfigFile, withPermissionRule, type PermissionRule, type PermissionsConfig } from '../config/index.js';
import { VigilError } from '../errors.js';
import { eventRecord } from '../events.js';
import type { PgAnswerStore, PgApproval, RuleSuggestion } from '../store/index.js';
import { refuseNeverSuggested, suggestedRule, suggestible, SUGGESTION_TTL_MS } from './rule-suggestions.js';

/** After the owner approved `approved` on a team: the suggestion offered, when it is due (as considerRuleSuggestion). */
export async function considerTeamRuleSuggestion(
  store: Pick<PgAnswerStore, 'suggestions' | 'log' | 'transaction'>,
  clock: Clock,
  permissions: Readonly<PermissionsConfig>,
  approved: PgApproval,
): Promise<RuleSuggestion | undefined> {
  const pair = suggestible(permissions, approved);
  if (!pair) return undefined;
  const { action, repo } = pair;
  return store.transaction(async (tx) => {
    await store.suggestions.lockPair(tx, action, repo);
    const now = clock.now();
    const latest = await store.suggestions.latest(tx, action, repo);
    if (latest?.state === 'offered' && latest.expiresAt > now) return undefined;
    const since = Math.max((await store.suggestions.lastDenial(tx, action, repo)) ?? 0, latest?.createdAt ?? 0);
    const approvals = await store.suggestions.approvalsSince(tx, action, repo, since);
    if (approvals < permissions.suggestAfter) return undefined;
    const offered = await store.suggestions.offer(tx, { action, repo, approvals }, now, now + SUGGESTION_TTL_MS);
    await store.log.append(tx, [
      eventRecord('rule.suggested', { suggestionId: offered.id, action, repo, approvals, expiresAt: new Date(offered.expiresAt).toISOString() }, now),
    ]);
    return offered;
  });
}

/**
 * The owner accepted a suggestion through its link on this node (the route checked the
 * token). One transaction with the suggestion's row locked, so a link opened on two nodes
 * at once writes one config: the suggestion still offered and unexpired, the nonce spent,
 * then the rule into `configFile` (schema-checked, the old file kept as config.json.prev,
 * as on SQLite), the suggestion accepted and `rule.accepted` logged. A config.json that
 * cannot be rewritten rolls it all back and leaves the link good. The caller reloads the
 * node's config.
 */
export async function acceptTeamRuleSuggestion(
  store: Pick<PgAnswerStore, 'suggestions' | 'log' | 'transaction'>,
  clock: Clock,
  opts: { configFile: string; id: string; nonce: string; by: string },
): Promise<{ suggestion: RuleSuggestion; rule: PermissionRule; added: boolean }> {
  return store.transaction(async (tx) => {
    const now = clock.now();
    const found = await store.suggestions.lock(tx, opts.id);
    if (!found) throw new VigilError('VIGIL_ERR_SUGGESTION_NOT_FOUND', opts.id);
    if (found.state !== 'offered') throw new VigilError('VIGIL_ERR_SUGGESTION_CLOSED', `${opts.id} was accepted already`);
    if (found.expiresAt <= now) throw new VigilError('VIGIL_ERR_SUGGESTION_CLOSED', `${opts.id} expired`);
    refuseNeverSuggested(found.action, opts.id);
    if (!(await store.suggestions.spend(tx, opts.nonce, opts.id, now))) throw new VigilError('VIGIL_ERR_CAPABILITY', 'the token was already used');
    const rule = suggestedRule(found);
    const { before, after } = rewriteConfigFile(opts.configFile, (raw) => withPermissionRule(raw, rule));
    const added = before !== after && JSON.stringify(before) !== JSON.stringify(after);
    if (!(await store.suggestions.accept(tx, opts.id, now))) throw new VigilError('VIGIL_ERR_SUGGESTION_CLOSED', `${opts.id} was accepted already`);
    await store.log.append(tx, [eventRecord('rule.accepted', { suggestionId: opts.id, action: rule.action, repo: rule.repo!, by: opts.by, added }, now)]);
    return { suggestion: (await store.suggestions.get(tx, opts.id))!, rule, added };
  });
}

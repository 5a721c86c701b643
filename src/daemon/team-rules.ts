/**
 * Rule suggestions on a node (issue 15 on a team, issue 19): after an approval this node
 * took (its capability route or its page), the suggestion considered on the team's answers;
 * and its `/push/rules/:id` link, which adds the rule to THIS node's home's config.json and
 * reloads this node. Each node of a team has its own config.json: a rule accepted through
 * one node is in that node's config only (docs/architecture.md says what the owner does
 * about the others).
 */
import type { Clock } from '../clock.js';
import type { PermissionsConfig } from '../config/index.js';
import { errorText } from '../errors.js';
import type { EventRecord } from '../events.js';
import { acceptTeamRuleSuggestion, considerTeamRuleSuggestion } from '../operations/index.js';
import type { PgApproval, PgStore } from '../store/index.js';
import type { RuleRouteDeps } from '../web/index.js';

export interface TeamRulesDeps {
  store: PgStore;
  clock: Clock;
  /** This node's home's config.json, where an accepted rule goes. */
  configFile: string;
  permissions(): Readonly<PermissionsConfig>;
  capabilityKey(): string;
  /** Reloads this node's config (SIGHUP's path): true when the new one took. */
  reload(): Promise<boolean>;
  record(records: EventRecord[]): Promise<void>;
  warn(message: string, fields: Record<string, unknown>): void;
}

export function teamRules(deps: TeamRulesDeps): { offer(approved: PgApproval): Promise<void>; route: RuleRouteDeps } {
  const { store, clock } = deps;
  return {
    async offer(approved) {
      try {
        await considerTeamRuleSuggestion(store, clock, deps.permissions(), approved);
      } catch (err) {
        // The answer is recorded; a suggestion is a courtesy that can come with the next approval.
        deps.warn('rule suggestion failed', { error: errorText(err) });
      }
    },
    route: {
      clock,
      capabilityKey: () => deps.capabilityKey(),
      suggestion: (id) => store.transaction((tx) => store.suggestions.get(tx, id)),
      refused: (record) => deps.record([record]),
      acceptRule: async (id, nonce) => {
        const accepted = await acceptTeamRuleSuggestion(store, clock, { configFile: deps.configFile, id, nonce, by: 'push' });
        const reloaded = await deps.reload();
        return { id, state: accepted.suggestion.state, rule: accepted.rule, added: accepted.added, reloaded };
      },
    },
  };
}

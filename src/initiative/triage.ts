import type { Config, DecisionRule } from '../config/index.js';
import { eventRecord } from '../events.js';
import type { JournalWriter } from '../journal/index.js';
import { applyRules, type Decision } from '../model/index.js';
import { globMatch } from '../glob.js';
import type { InboxEvent, Store } from '../store/index.js';
import { ownEcho, storeEchoes } from './own-echo.js';

/**
 * Rules first, model second (issue 14): what happens to an event before any provider
 * is asked. vigil's own writes coming back are set aside (`own`); with a model
 * provider, kinds the owner listed in `model.skipEvents` are set aside too (`skipped`),
 * and a config rule marked `"decide": "rules"` decides without a model call (`rules`) —
 * its proposals still go through `propose` and the policy. Everything else goes to the
 * provider (`model`). The offline `rules` provider decides with every rule itself.
 */
export type Triage =
  | { route: 'own'; reason: string }
  | { route: 'skipped'; reason: string }
  | { route: 'rules'; decision: Decision }
  | { route: 'model' };

export interface TriageConfig {
  /** A model decides (anthropic, openai): `skipEvents` and rules marked `"decide": "rules"` apply. */
  modelDecides: boolean;
  rules: readonly DecisionRule[];
  skipEvents: readonly string[];
  /** `github.ownerLogin`: a sender with this login is the owner, never vigil. */
  ownerLogin?: string | undefined;
}

/** Only vigil's own echoes: for a decider built without a config (tests, tools). */
export const OWN_ONLY: TriageConfig = { modelDecides: false, rules: [], skipEvents: [] };

/** The triage's slice of the config. */
export function triageConfig(config: Pick<Config, 'model' | 'rules' | 'github'>): TriageConfig {
  return {
    modelDecides: config.model.provider !== 'rules',
    rules: config.rules,
    skipEvents: config.model.skipEvents,
    ownerLogin: config.github.ownerLogin,
  };
}

export function triage(event: InboxEvent, payload: unknown, config: TriageConfig, where: { store: Store; now: number }): Triage {
  const own = ownEcho({ source: event.source, kind: event.kind, payload }, { echoes: storeEchoes(where.store), now: where.now, ownerLogin: config.ownerLogin });
  if (own) return { route: 'own', reason: own };
  return rulesFirst(event, payload, config);
}

/**
 * The config's part of the triage, which needs no store: `model.skipEvents`, then the
 * rules marked `"decide": "rules"` (a team node's decisions take this alone: see
 * team-decisions.ts for vigil's own echoes there).
 */
export function rulesFirst(event: { id: number; source: string; kind: string; deliveryId?: string | null }, payload: unknown, config: TriageConfig): Exclude<Triage, { route: 'own' }> {
  if (!config.modelDecides) return { route: 'model' };
  const skip = config.skipEvents.find((pattern) => globMatch(pattern, event.kind));
  if (skip) return { route: 'skipped', reason: `model.skipEvents has "${skip}"` };
  const decisionEvent = { id: event.id, source: event.source, kind: event.kind, payload, ...(event.deliveryId ? { deliveryId: event.deliveryId } : {}) };
  const { decision, matched } = applyRules(config.rules, decisionEvent, (rule) => rule.decide === 'rules');
  return matched.length ? { route: 'rules', decision } : { route: 'model' };
}

/**
 * An event nobody decides: it leaves the inbox (`filtered`, as an event intake filtered
 * does) and its line says why, in one transaction, so it is set aside exactly once.
 */
export function setAside(
  deps: { store: Store; journal: JournalWriter },
  event: InboxEvent,
  triaged: { route: 'own' | 'skipped'; reason: string },
  now: number,
): void {
  const { store, journal } = deps;
  store.transaction(() => {
    if (!store.inbox.markDecided(event.id, now, 'filtered')) return;
    const type = triaged.route === 'own' ? 'event.own' : 'event.skipped';
    journal.stage(eventRecord(type, { eventId: event.id, kind: event.kind, reason: triaged.reason }, now));
  });
  journal.flush();
}

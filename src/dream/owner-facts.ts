import { localDate } from '../clock.js';
import { slugify } from '../memory/index.js';
import { secretMask } from '../secrets/index.js';
import type { AnsweredApproval } from '../store/index.js';
import type { Observation, WorkingMemory } from './working-memory.js';

/** The topic the owner's habits are kept in: `topics/owner.md`. */
export const OWNER_TOPIC = 'owner';

/** A reason is the owner's words; in a fact (and MEMORY.md, and every prompt) it is kept short. */
const MAX_REASON_CHARS = 200;
/** How many of the answers a fact names as its source. */
const SOURCE_IDS = 3;

/** What the owner's answers say about one action on one repository. */
export interface OwnerFact {
  /** `github.label on octo/docs:` — the fact about this pair begins so, whatever its counts. */
  prefix: string;
  text: string;
  source: string;
  /** The local date of the newest answer. */
  date: string;
}

/**
 * The owner, learned without a model (issue 15): for each action on each repository the
 * owner answered about, one fact — how often it was approved and denied, and the last
 * reason the owner gave — sourced to the newest answers in the store (`where`: vigil.db
 * in a home, the team's actions on PostgreSQL). Derived whole from the store at each
 * dream, so the counts are always the store's, not a sum of dreams.
 */
export function ownerFacts(answers: readonly AnsweredApproval[], where = 'vigil.db'): OwnerFact[] {
  const pairs = new Map<string, AnsweredApproval[]>();
  for (const answer of answers) {
    const key = `${answer.action} on ${answer.repo}`;
    pairs.set(key, [...(pairs.get(key) ?? []), answer]);
  }
  return [...pairs].map(([pair, list]) => {
    const sorted = [...list].sort((a, b) => a.answeredAt - b.answeredAt);
    const approved = sorted.filter((a) => a.answer === 'approved').length;
    const denied = sorted.length - approved;
    const newest = sorted[sorted.length - 1]!;
    const reason = [...sorted].reverse().find((a) => a.answer === 'denied' && a.reason)?.reason;
    const prefix = `${pair}:`;
    const said = reason ? `; last reason: "${quotable(reason)}"` : '';
    const text =
      denied === 0
        ? `${prefix} the owner approved it ${times(approved)}, never denied`
        : approved === 0
          ? `${prefix} the owner denies it (${times(denied)}, never approved${said})`
          : `${prefix} the owner approved it ${times(approved)} and denied it ${times(denied)}, last ${newest.answer}${said}`;
    const date = localDate(newest.answeredAt);
    const ids = sorted.slice(-SOURCE_IDS).reverse().map((a) => a.actionId);
    return { prefix, text, source: `${where}, the owner's answers to actions ${ids.join(', ')} (newest ${date})`, date };
  });
}

function times(n: number): string {
  return n === 1 ? 'once' : `${n} times`;
}

/** One line, no double quote (it closes the quote around it), no secret, capped. */
function quotable(reason: string): string {
  const line = secretMask().redact(reason.replace(/\s+/g, ' ').trim()).replaceAll('"', "'");
  return line.length > MAX_REASON_CHARS ? `${line.slice(0, MAX_REASON_CHARS - 1)}…` : line;
}

/**
 * Into `topics/owner.md`: a new pair is added, a changed count replaces the fact about
 * its pair (recording what it superseded), an unchanged one is confirmed today (the
 * store still says so). Another topic that happens to be called "owner" is left alone.
 */
export function applyOwnerFacts(memory: WorkingMemory, facts: readonly OwnerFact[], today: string): void {
  for (const fact of facts) {
    const held = memory.topics.get(slugify(OWNER_TOPIC));
    if (held && held.title.toLowerCase() !== OWNER_TOPIC) return;
    const existing = held?.facts.find((f) => !f.stale && f.text.startsWith(fact.prefix));
    if (!held || !existing) memory.add(OWNER_TOPIC, { text: fact.text, source: fact.source, confirmed: today });
    else if (existing.text === fact.text) memory.confirm({ topic: held, fact: existing }, today);
    else memory.update({ topic: held, fact: existing }, { text: fact.text, source: fact.source, confirmed: today });
  }
}

/** The same facts as observations: a model consolidator reads them beside the day's notes. */
export function ownerFactObservations(facts: readonly OwnerFact[]): Observation[] {
  return facts.map((f) => ({ kind: 'event', text: f.text, topic: OWNER_TOPIC, date: f.date, source: f.source }));
}

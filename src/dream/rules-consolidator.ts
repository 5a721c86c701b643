import { slugify, sourceDate } from '../memory/index.js';
import type { ConsolidationContext, ConsolidationResult, Consolidator } from './consolidator.js';
import { absoluteDates } from './dates.js';
import { factKey, keyString, normalise } from './facts.js';
import type { FactRef, Observation, WorkingMemory } from './working-memory.js';

/** The newer of two facts about the same thing wins; on a tie, the later observation. */
function newer(a: FactRef, b: FactRef): boolean {
  return sourceDate(a.fact) >= sourceDate(b.fact);
}

/**
 * The deterministic consolidation (no model): relative dates become absolute, facts
 * that say the same thing are merged into one (confirmed at the latest date), and of
 * two facts with the same subject and attribute the newer is kept, recording the
 * value it superseded. Only notes are learned from; activity needs a model to read.
 * Applying it twice to the same input changes nothing the second time.
 */
export class RulesConsolidator implements Consolidator {
  readonly name = 'rules';

  async consolidate(memory: WorkingMemory, observations: readonly Observation[], _context: ConsolidationContext): Promise<ConsolidationResult> {
    tidyExisting(memory);
    const byText = new Map<string, FactRef>();
    const byKey = new Map<string, FactRef>();
    for (const ref of memory.all()) index(ref, byText, byKey);
    const notes = observations.filter((o) => o.kind === 'note').sort((a, b) => a.date.localeCompare(b.date));
    for (const note of notes) learn(memory, note, byText, byKey);
    return { modelTokens: 0 };
  }
}

/**
 * Two facts are the same only within one topic: "Default branch: `main`" about
 * octocat/hello-world says nothing about codertocat/hello-world.
 */
function textKey(topicSlug: string, text: string): string {
  return `${topicSlug}\0${normalise(text)}`;
}

function index(ref: FactRef, byText: Map<string, FactRef>, byKey: Map<string, FactRef>): void {
  byText.set(textKey(ref.topic.slug, ref.fact.text), ref);
  const key = factKey(ref.fact.text, ref.topic.title);
  if (key && !ref.fact.stale) byKey.set(keyString(key), ref);
}

function learn(
  memory: WorkingMemory,
  note: Observation,
  byText: Map<string, FactRef>,
  byKey: Map<string, FactRef>,
): void {
  const text = absoluteDates(note.text, note.date);
  const incoming = { text, source: note.source, confirmed: note.date };
  const same = byText.get(textKey(slugify(note.topic), text));
  if (same) {
    memory.confirm(same, note.date);
    return;
  }
  const key = factKey(text, note.topic);
  const rival = key ? byKey.get(keyString(key)) : undefined;
  if (rival) {
    // The same value in other words confirms; an older note about something known newer says nothing new.
    if (factKey(rival.fact.text, rival.topic.title)?.value === key!.value) return memory.confirm(rival, note.date);
    if (sourceDate(rival.fact) > note.date) return;
    byText.delete(textKey(rival.topic.slug, rival.fact.text));
    memory.update(rival, incoming);
    byText.set(textKey(rival.topic.slug, rival.fact.text), rival);
    return;
  }
  const ref = memory.add(note.topic, incoming);
  index(ref, byText, byKey);
}

/**
 * Facts already in memory get the same treatment: a person or the model may have
 * written a relative date, a duplicate, or a second value through the memory tool.
 */
function tidyExisting(memory: WorkingMemory): void {
  const byText = new Map<string, FactRef>();
  const byKey = new Map<string, FactRef>();
  for (const ref of memory.all()) {
    const absolute = absoluteDates(ref.fact.text, sourceDate(ref.fact));
    if (absolute !== ref.fact.text) ref.fact.text = absolute;
    const text = textKey(ref.topic.slug, ref.fact.text);
    const twin = byText.get(text);
    if (twin) {
      memory.confirm(twin, ref.fact.confirmed);
      memory.remove(ref, 'duplicate');
      continue;
    }
    byText.set(text, ref);
    const key = factKey(ref.fact.text, ref.topic.title);
    if (!key || ref.fact.stale) continue;
    const rival = byKey.get(keyString(key));
    if (!rival) {
      byKey.set(keyString(key), ref);
      continue;
    }
    const [keep, drop] = newer(ref, rival) ? [ref, rival] : [rival, ref];
    keep.fact.supersedes ??= `${drop.fact.text} (${drop.fact.source})`;
    memory.remove(drop, `superseded by: ${keep.fact.text}`);
    byKey.set(keyString(key), keep);
  }
}

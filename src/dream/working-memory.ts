import { cleanFactText, slugify, type Fact, type Topic } from '../memory/index.js';

/**
 * Something the dream learned from: a note (from memory/notes.md), a line of activity
 * from the log, or a repository fact read from an event's payload (repo-facts.ts).
 */
export interface Observation {
  kind: 'note' | 'activity' | 'event';
  text: string;
  /** Topic title: a repository ("octo/app") or a subject; "general" when none. */
  topic: string;
  /** YYYY-MM-DD it was written. */
  date: string;
  /** "log 2026-01-03#12", or "memory/notes.md line 4 (…)" for a note the log does not name. */
  source: string;
}

export interface DreamCounts {
  added: number;
  updated: number;
  removed: number;
  stale: number;
}

export interface FactRef {
  topic: Topic;
  fact: Fact;
}

/**
 * The memory a dream works on, in memory: the topics as read in the orient phase,
 * changed by the consolidate, verify and prune phases, and written out only at the
 * end. Every change goes through here, so the report and the digest count it.
 */
export class WorkingMemory {
  readonly topics = new Map<string, Topic>();
  readonly counts: DreamCounts = { added: 0, updated: 0, removed: 0, stale: 0 };
  /** One line per change, for the notification digest. */
  readonly changes: string[] = [];

  constructor(topics: Iterable<Topic>) {
    for (const topic of topics) this.topics.set(topic.slug, topic);
  }

  /** A deep copy: a batch of model operations is applied to a copy and adopted whole. */
  clone(): WorkingMemory {
    const copy = new WorkingMemory(structuredClone([...this.topics.values()]));
    Object.assign(copy.counts, this.counts);
    copy.changes.push(...this.changes);
    return copy;
  }

  adopt(other: WorkingMemory): void {
    this.topics.clear();
    for (const [slug, topic] of other.topics) this.topics.set(slug, topic);
    Object.assign(this.counts, other.counts);
    this.changes.splice(0, this.changes.length, ...other.changes);
  }

  topicFor(title: string): Topic {
    const slug = slugify(title);
    let topic = this.topics.get(slug);
    if (!topic) {
      topic = { slug, title: title.trim() || slug, notes: [], facts: [] };
      this.topics.set(slug, topic);
    }
    return topic;
  }

  all(): FactRef[] {
    return [...this.topics.values()].flatMap((topic) => topic.facts.map((fact) => ({ topic, fact })));
  }

  add(title: string, fact: Fact): FactRef {
    const topic = this.topicFor(title);
    const added = { ...fact, text: cleanFactText(fact.text) };
    topic.facts.push(added);
    this.counts.added++;
    this.changes.push(`+ ${topic.title}: ${added.text}`);
    return { topic, fact: added };
  }

  /** A newer value replaces the fact's text; what it replaced is recorded with its source. */
  update(ref: FactRef, next: { text: string; source: string; confirmed: string }): void {
    const { fact } = ref;
    const before = fact.text;
    fact.supersedes = `${before} (${fact.source})`;
    fact.text = cleanFactText(next.text);
    fact.source = next.source;
    fact.confirmed = next.confirmed > fact.confirmed ? next.confirmed : fact.confirmed;
    delete fact.stale;
    this.counts.updated++;
    this.changes.push(`~ ${ref.topic.title}: ${fact.text} (was: ${before})`);
  }

  remove(ref: FactRef, why: string): void {
    const index = ref.topic.facts.indexOf(ref.fact);
    if (index < 0) return;
    ref.topic.facts.splice(index, 1);
    this.counts.removed++;
    this.changes.push(`- ${ref.topic.title}: ${ref.fact.text} (${why})`);
  }

  confirm(ref: FactRef, date: string): void {
    if (date > ref.fact.confirmed) ref.fact.confirmed = date;
  }

  markStale(ref: FactRef, reason: string, today: string): void {
    if (ref.fact.stale) return;
    ref.fact.stale = `${today}: ${reason}`;
    this.counts.stale++;
    this.changes.push(`! ${ref.topic.title}: ${ref.fact.text} (stale: ${reason})`);
  }

  /** A stale fact whose reference came back (the file was restored). */
  revive(ref: FactRef, today: string): void {
    if (!ref.fact.stale) return;
    delete ref.fact.stale;
    this.confirm(ref, today);
  }
}

import { localDate } from '../clock.js';
import { VigilError } from '../errors.js';
import { eventRecord } from '../events.js';
import { acquireDreamLock, dreamLockPath, newDreamId } from '../dream/index.js';
import { cleanFactText, INDEX_FILE, parseTopic, readTopics, renderIndex, renderTopic, topicPath, type Fact, type Topic } from '../memory/index.js';
import type { OperationDeps } from './deps.js';
import type { RestoreDeps } from './memory-restore.js';

/** A fact the owner rewrote or removed on the dashboard's Memory page. */
export interface FactEdit {
  /** The topic's slug (`topics/<slug>.md`). */
  topic: string;
  /** The fact's place among the topic's facts, as the page showed them. */
  index: number;
  /** Its text as the page showed it: anything else there now means someone wrote meanwhile. */
  was: string;
  /** The new text; absent to delete the fact. */
  text?: string;
}

export interface FactEdited {
  file: string;
  op: 'edit' | 'delete';
  /** The file's previous version, kept in `.history/` (null when nothing changed on disk). */
  version: string | null;
}

/** A fact is one line of prose, not a document. */
export const MAX_FACT_CHARS = 1000;
const SLUG = /^[a-z0-9][a-z0-9._-]{0,80}$/i;

/**
 * The owner's hand on memory (issue 17), with the dream's discipline: under the dream
 * lock (a dream running now makes it fail VIGIL_ERR_DREAM_BUSY rather than lose either
 * write); checked against what the page showed (VIGIL_ERR_MEMORY_CONFLICT otherwise);
 * the new topic read back before anything is written (it must hold exactly the facts
 * intended); then the topic file and after it MEMORY.md, each written atomically with its
 * previous version kept (src/memory MemoryFiles), as the dream writes them. An edited fact
 * says the owner is its source and keeps the old text under `supersedes`; the record
 * `memory.edited` names the version to restore.
 */
export async function editMemoryFact(deps: RestoreDeps & Pick<OperationDeps, 'journal'>, edit: FactEdit): Promise<FactEdited> {
  const { store, clock, files, journal } = deps;
  const text = checkedFactText(edit);
  const release = acquireDreamLock(dreamLockPath(deps.home), { pid: process.pid, dreamId: `edit-${newDreamId()}`, startedAt: clock.now() }, (fn) =>
    store.transaction(fn),
  );
  try {
    const now = clock.now();
    const today = localDate(now);
    const topics = readTopics(files, today);
    const plan = planFactEdit(new Map([...topics].map(([slug, loaded]) => [slug, loaded.topic])), edit, text, today);
    const { rel, op } = plan;
    const changed = plan.topicContent === null ? await files.remove(rel) : await files.write(rel, plan.topicContent);
    const version = changed ? (files.versions(rel)[0]?.version ?? null) : null;
    await files.write(INDEX_FILE, plan.index);
    if (!changed) return { file: rel, op, version };
    journal.write(eventRecord('memory.edited', { file: rel, op, index: edit.index, fact: plan.old.text.slice(0, 200), version }, now));
    return { file: rel, op, version };
  } finally {
    release();
  }
}

/** The edit's address and new text, checked before any lock is taken: the new text cleaned (undefined: a deletion). */
export function checkedFactText(edit: FactEdit): string | undefined {
  if (!SLUG.test(edit.topic) || !Number.isInteger(edit.index) || edit.index < 0) throw new VigilError('VIGIL_ERR_MEMORY_FACT', `${edit.topic}#${edit.index}`);
  const text = edit.text === undefined ? undefined : cleanFactText(edit.text);
  if (text !== undefined && (text.length === 0 || text.length > MAX_FACT_CHARS)) {
    throw new VigilError('VIGIL_ERR_MEMORY_FACT', `a fact is 1 to ${MAX_FACT_CHARS} characters on one line`);
  }
  return text;
}

/** What an edit writes, computed from the topics as they are now (a home's folder, or a team's rows inside the write). */
export interface FactEditPlan {
  /** The topic's file. */
  rel: string;
  op: 'edit' | 'delete';
  /** The fact as it read before. */
  old: Fact;
  /** The topic file's new text; null when the topic is left with nothing and goes. */
  topicContent: string | null;
  /** MEMORY.md rebuilt from the topics as they will be. */
  index: string;
}

/**
 * The edit against `topics`: checked against what the page showed (VIGIL_ERR_MEMORY_CONFLICT
 * otherwise), the new topic read back before anything is written (it must hold exactly the
 * facts intended). An edited fact says the owner is its source and keeps the old text under
 * `supersedes`. Writes nothing.
 */
export function planFactEdit(topics: ReadonlyMap<string, Topic>, edit: FactEdit, text: string | undefined, today: string): FactEditPlan {
  const current = topics.get(edit.topic);
  if (!current) throw new VigilError('VIGIL_ERR_MEMORY_FACT', `no topic ${edit.topic}`);
  const old = current.facts[edit.index];
  if (!old) throw new VigilError('VIGIL_ERR_MEMORY_CONFLICT', `${topicPath(edit.topic)} has no fact #${edit.index + 1} now`);
  if (old.text !== cleanFactText(edit.was)) throw new VigilError('VIGIL_ERR_MEMORY_CONFLICT', `fact #${edit.index + 1} of ${topicPath(edit.topic)} reads differently now`);

  const facts: Fact[] = [...current.facts];
  if (text === undefined) facts.splice(edit.index, 1);
  else if (text !== old.text) facts[edit.index] = { text, source: `owner ${today}`, confirmed: today, supersedes: `${old.text} (${old.source})` };
  const topic: Topic = { ...current, facts };
  const rendered = renderTopic(topic);
  verifyRendered(edit.topic, rendered, topic, today);

  const empty = facts.length === 0 && topic.notes.length === 0;
  const all = [...topics.values()].map((t) => (t.slug === edit.topic ? topic : t)).filter((t) => t.slug !== edit.topic || !empty);
  return { rel: topicPath(edit.topic), op: text === undefined ? 'delete' : 'edit', old, topicContent: empty ? null : rendered, index: renderIndex(all) };
}

/** The file about to be written, read back as every reader will: the same facts, in order, nothing more. */
function verifyRendered(slug: string, rendered: string, intended: Topic, today: string): void {
  const read = parseTopic(slug, rendered, today).facts;
  const same =
    read.length === intended.facts.length &&
    read.every((f, i) => {
      const want = intended.facts[i]!;
      return f.text === cleanFactText(want.text) && f.source === want.source && Boolean(f.stale) === Boolean(want.stale);
    });
  if (!same) throw new VigilError('VIGIL_ERR_MEMORY_FACT', `${topicPath(slug)} would not read back as written; nothing was written`);
}

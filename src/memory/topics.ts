/**
 * Topic files: `memory/topics/<slug>.md`, one fact per bullet, each with where it came
 * from and when it was last confirmed, as indented `key: value` sub-bullets a person
 * (and the model, through the memory tool) can read and edit:
 *
 *   # octo/app
 *
 *   - The default branch of octo/app is `trunk`.
 *     - source: log 2026-01-20#14
 *     - confirmed: 2026-01-24
 *     - supersedes: The default branch of octo/app is `main`. (log 2026-01-03#5)
 *
 *   ## Stale
 *
 *   - The config loader lives in `src/legacy-config.ts`.
 *     - source: log 2026-01-04#8
 *     - confirmed: 2026-01-04
 *     - stale: 2026-01-31: `src/legacy-config.ts` no longer exists in octo/app
 */

import { TOPICS_DIR } from './names.js';

export interface Fact {
  text: string;
  /** Where it came from: "log 2026-01-03#12", or a file and line ("topics/x.md:7"). */
  source: string;
  /** YYYY-MM-DD it was last seen again or checked against a repo. */
  confirmed: string;
  /** The value this one replaced, with that value's source. */
  supersedes?: string;
  /** Why and since when it no longer holds; stale facts stay out of the index. */
  stale?: string;
}

export interface Topic {
  slug: string;
  title: string;
  /** Lines that are not facts (a person's or the model's prose), kept as they are. */
  notes: string[];
  facts: Fact[];
}

const STALE_HEADING = '## Stale';
const META = /^\s{2,}- (source|confirmed|supersedes|stale): ?(.*)$/;
const DATE = /\d{4}-\d{2}-\d{2}/;

/** "octo/app" → "octo-app"; a slug is a safe file name. */
export function slugify(title: string): string {
  const slug = title
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return slug || 'general';
}

export function topicPath(slug: string): string {
  return `${TOPICS_DIR}/${slug}.md`;
}

/** One line, no markup that would break the bullet structure. */
export function cleanFactText(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Parse a topic file leniently: bullets without metadata (written by hand or by the
 * model) become facts sourced from their own file and line, confirmed `today`.
 */
export function parseTopic(slug: string, text: string, today: string): Topic {
  const topic: Topic = { slug, title: slug, notes: [], facts: [] };
  let inStale = false;
  let titled = false;
  let current: Fact | undefined;
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const meta = META.exec(line);
    if (meta && current) {
      const [, key, value] = meta as unknown as [string, keyof Fact, string];
      if (key === 'confirmed') current.confirmed = DATE.exec(value)?.[0] ?? current.confirmed;
      else current[key] = value.trim();
      return;
    }
    if (line.startsWith('- ')) {
      current = { text: cleanFactText(line.slice(2)), source: `${topicPath(slug)}:${i + 1}`, confirmed: today };
      if (inStale) current.stale = `${today}: listed as stale`;
      if (current.text) topic.facts.push(current);
      return;
    }
    if (/^\s{2,}\S/.test(line) && current) {
      current.text = cleanFactText(`${current.text} ${line}`);
      return;
    }
    current = undefined;
    if (line.startsWith('# ') && !titled && topic.facts.length === 0) {
      topic.title = line.slice(2).trim() || slug;
      titled = true;
    } else if (line.trim() === STALE_HEADING) inStale = true;
    else if (line.trim() !== '' || topic.notes.length) topic.notes.push(line);
  });
  while (topic.notes.length && topic.notes[topic.notes.length - 1]!.trim() === '') topic.notes.pop();
  return topic;
}

function renderFact(fact: Fact): string[] {
  const lines = [`- ${cleanFactText(fact.text)}`, `  - source: ${fact.source}`, `  - confirmed: ${fact.confirmed}`];
  if (fact.supersedes) lines.push(`  - supersedes: ${cleanFactText(fact.supersedes)}`);
  if (fact.stale) lines.push(`  - stale: ${cleanFactText(fact.stale)}`);
  return lines;
}

export function renderTopic(topic: Topic): string {
  const active = topic.facts.filter((f) => !f.stale);
  const stale = topic.facts.filter((f) => f.stale);
  const out = [`# ${topic.title}`, ''];
  if (topic.notes.length) out.push(...topic.notes, '');
  for (const fact of active) out.push(...renderFact(fact));
  if (stale.length) {
    if (active.length) out.push('');
    out.push(STALE_HEADING, '');
    for (const fact of stale) out.push(...renderFact(fact));
  }
  return out.join('\n').replace(/\n+$/, '') + '\n';
}

/** The YYYY-MM-DD a source names ("log 2026-01-03#12"), for telling newer from older. */
export function sourceDate(fact: Pick<Fact, 'source' | 'confirmed'>): string {
  return DATE.exec(fact.source)?.[0] ?? fact.confirmed;
}

import { topicPath, type Topic } from './topics.js';

/** Issue 5: one line per topic, at most 150 characters; at most 200 lines and 25 KB. */
export const INDEX_LIMITS = { lineChars: 150, lines: 200, bytes: 25 * 1024 } as const;

const HEADER = [
  '# Memory',
  '',
  'One line per topic; the facts, their sources and dates are in topics/. Rewritten by each dream.',
  '',
];

/** The newest date any active fact of the topic was confirmed. */
function freshness(topic: Topic): string {
  return topic.facts.filter((f) => !f.stale).reduce((max, f) => (f.confirmed > max ? f.confirmed : max), '');
}

export function indexLine(topic: Topic): string {
  const head = `- [${topic.title}](${topicPath(topic.slug)})`;
  const summary = topic.facts
    .filter((f) => !f.stale)
    .map((f) => f.text.replace(/\.$/, ''))
    .join('; ');
  const line = `${head}: ${summary}`;
  if ([...line].length <= INDEX_LIMITS.lineChars) return line;
  return [...line].slice(0, INDEX_LIMITS.lineChars - 1).join('') + '…';
}

/**
 * MEMORY.md, the part of memory every prompt carries. Topics without an active fact
 * (all stale or pruned) leave it; past the limits, the most recently confirmed
 * topics stay. Lines are sorted by title so that a dream that changes nothing
 * rewrites nothing.
 */
export function renderIndex(topics: readonly Topic[]): string {
  const live = topics.filter((t) => t.facts.some((f) => !f.stale));
  const byFreshness = [...live].sort((a, b) => freshness(b).localeCompare(freshness(a)) || a.title.localeCompare(b.title));
  const chosen: { topic: Topic; line: string }[] = [];
  let bytes = Buffer.byteLength(HEADER.join('\n') + '\n');
  for (const topic of byFreshness) {
    if (HEADER.length + chosen.length >= INDEX_LIMITS.lines) break;
    const line = indexLine(topic);
    const size = Buffer.byteLength(line) + 1;
    if (bytes + size > INDEX_LIMITS.bytes) break;
    bytes += size;
    chosen.push({ topic, line });
  }
  chosen.sort((a, b) => a.topic.title.localeCompare(b.topic.title));
  return [...HEADER, ...chosen.map((c) => c.line)].join('\n') + '\n';
}

/**
 * What the deterministic consolidation knows about a fact's words: a normal form for
 * finding duplicates, and a key (subject + attribute) with a value for finding
 * contradictions — "the default branch of octo/app is main" and "… is now trunk"
 * share the key `octo/app|default branch`.
 */

/** Lower case, no markup quotes, single spaces, no final punctuation. */
export function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[`"“”‘’*_]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[.!;,:\s]+$/, '');
}

export interface FactKey {
  subject: string;
  attribute: string;
  value: string;
}

const COPULA = '(?:is now|are now|is|are|was changed to|changed from .+? to|changed to|switched to|moved to|became|has become|=)';
const ARTICLE = /^(?:the|a|an|our|its)\s+/;
const PRONOUN = /^(?:it|this|that|these|those|there|he|she|they|we|i)$/;
const MAX_ATTRIBUTE_WORDS = 5;

function clean(part: string): string {
  return part.replace(ARTICLE, '').replace(/\s+/g, ' ').trim();
}

function accept(subject: string, attribute: string, value: string): FactKey | undefined {
  const attr = clean(attribute);
  const val = value.replace(/^now\s+/, '').trim();
  if (!attr || !val || PRONOUN.test(attr) || attr.split(' ').length > MAX_ATTRIBUTE_WORDS) return undefined;
  return { subject: clean(subject), attribute: attr, value: val };
}

/**
 * The key of a fact written as "<attribute> of <subject> is <value>",
 * "<subject>'s <attribute> is <value>", or "<attribute> is <value>" / "<attribute>: <value>"
 * (subject: the topic). Anything else has no key and can only be a duplicate.
 */
export function factKey(text: string, topic: string): FactKey | undefined {
  const t = normalise(text);
  const subjectOf = new RegExp(`^(.+?) (?:of|for|in) ([\\w./@-]+) ${COPULA} (.+)$`).exec(t);
  if (subjectOf) return accept(subjectOf[2]!, subjectOf[1]!, subjectOf[3]!);
  const possessive = new RegExp(`^([\\w./@-]+)'s (.+?) ${COPULA} (.+)$`).exec(t);
  if (possessive) return accept(possessive[1]!, possessive[2]!, possessive[3]!);
  const plain = new RegExp(`^(.+?) ${COPULA} (.+)$`).exec(t) ?? /^([^:]{2,60}): (.+)$/.exec(t);
  if (plain) return accept(topic.toLowerCase(), plain[1]!, plain[plain.length - 1]!);
  return undefined;
}

export function keyString(key: FactKey): string {
  return `${key.subject}|${key.attribute}`;
}

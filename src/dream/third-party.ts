/**
 * Values taken from GitHub payloads for the dream's repository facts. Every byte of a
 * payload was written by whoever can open an issue, name a label, push a tag or name a
 * workflow, and these values end up in topic files and, through memory, in prompts.
 * Names with a grammar (repositories, logins, git refs, times, event kinds) are taken
 * only when they follow it — anything else is not learned at all; free text (label and
 * workflow names) is cut to one short phrase of plain characters.
 */

/** Letters, digits, spaces and a few marks, at most `max`: no markup, no line break, no backtick, no mention. */
export function plainPhrase(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value
    .slice(0, max * 4)
    .replace(/\s+/g, ' ')
    .replace(/[^\p{L}\p{N} ._/+#()-]/gu, '')
    .replace(/ +/g, ' ')
    .trim()
    .slice(0, max)
    .trim();
  return text || undefined;
}

const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/** "owner/name" as GitHub allows it, lower-cased (a topic per repository); never `.` or `..` as a name. */
export function repoFullName(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const [owner, name, ...rest] = value.split('/');
  if (rest.length || !owner || !name || !OWNER.test(owner) || !NAME.test(name) || name === '.' || name === '..') return undefined;
  return `${owner}/${name}`.toLowerCase();
}

const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;

/** A GitHub login (bots' `[bot]` suffix aside: bots are not contributors). */
export function githubLogin(value: unknown): string | undefined {
  return typeof value === 'string' && LOGIN.test(value) ? value : undefined;
}

/**
 * A branch or tag name a person can read: git's own rules (no space, no control
 * character, none of ~^:?*[\ and no "..") narrowed to plain characters, at most 100.
 */
export function refName(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 100) return undefined;
  if (!/^[\p{L}\p{N}._/+-]+$/u.test(value) || value.includes('..') || value.startsWith('/') || value.endsWith('/')) return undefined;
  return value;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

/** An ISO 8601 timestamp as GitHub writes them, else undefined (compared as text, shown as its date). */
export function isoTime(value: unknown): string | undefined {
  return typeof value === 'string' && ISO_TIME.test(value) && !Number.isNaN(Date.parse(value)) ? value : undefined;
}

const KIND = /^github\.[a-z_]{1,60}(?:\.[a-z_]{1,60})?$/;

/** An event kind fit for a source line ("github.release.published"); the action part comes from the payload. */
export function eventKind(value: string): string {
  return KIND.test(value) ? value : 'github event';
}

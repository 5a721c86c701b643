/**
 * What of a webhook payload the model reads. GitHub payloads are mostly API links,
 * node ids and full user and repository objects (~20 kB for an opened issue); the
 * decision needs the text, the numbers, the names and the state. Compacting them is
 * most of what keeps an event's uncached prompt small (issue 4: ticks and events that
 * cost almost nothing).
 */

const DROPPED_KEYS = new Set([
  'node_id',
  'gravatar_id',
  '_links',
  'reactions',
  'performed_via_github_app',
  'installation',
  'enterprise',
  'permissions',
  'license',
  'sub_issues_summary',
  'issue_dependencies_summary',
]);
const MAX_STRING = 4000;
const MAX_ARRAY = 50;
const MAX_DEPTH = 8;

export function compactPayload(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return truncate(value);
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ARRAY).map((item) => compactPayload(item, depth + 1));
    return value.length > MAX_ARRAY ? [...items, `… ${value.length - MAX_ARRAY} more`] : items;
  }
  if (!value || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '…';
  const record = value as Record<string, unknown>;
  // A user or organisation is its login; a repository its full name; a label its name.
  if (typeof record.login === 'string' && ('avatar_url' in record || 'type' in record)) return record.login;
  if (depth > 0 && typeof record.full_name === 'string' && 'owner' in record) return record.full_name;
  if (typeof record.name === 'string' && 'color' in record && 'default' in record) return record.name;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(record)) {
    if (item === null || item === undefined || DROPPED_KEYS.has(key)) continue;
    if (key === 'url' || (key.endsWith('_url') && key !== 'html_url')) continue;
    out[key] = compactPayload(item, depth + 1);
  }
  return out;
}

function truncate(text: string): string {
  if (text.length <= MAX_STRING) return text;
  return `${text.slice(0, MAX_STRING)}… [${text.length - MAX_STRING} more characters]`;
}

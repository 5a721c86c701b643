/**
 * What of a webhook payload the model reads. GitHub payloads are mostly API links,
 * ids and full user, repository and app objects (~20 kB for an opened issue); the
 * decision needs the text, the numbers, the names and the state. Users, repositories,
 * labels and apps become their names, empty values and update times go, commit ids
 * become short. Compacting them is
 * most of what keeps an event's uncached prompt small (issue 4: ticks and events that
 * cost almost nothing).
 */

const DROPPED_KEYS = new Set([
  'id',
  'node_id',
  'updated_at',
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
const FULL_SHA = /^[0-9a-f]{40}$/;

export function compactPayload(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return truncate(value);
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ARRAY).map((item) => compactPayload(item, depth + 1));
    return value.length > MAX_ARRAY ? [...items, `… ${value.length - MAX_ARRAY} more`] : items;
  }
  if (!value || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '…';
  const record = value as Record<string, unknown>;
  // A user or organisation is its login; a repository its full name; a label its name; an app its slug.
  if (typeof record.login === 'string' && ('avatar_url' in record || 'type' in record)) return record.login;
  if (typeof record.slug === 'string' && 'owner' in record && 'events' in record) return record.slug;
  if (depth > 0 && typeof record.full_name === 'string' && 'owner' in record) return record.full_name;
  if (typeof record.name === 'string' && 'color' in record && 'default' in record) return record.name;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(record)) {
    if (item === null || item === undefined || item === '' || DROPPED_KEYS.has(key)) continue;
    if (key === 'url' || (key.endsWith('_url') && key !== 'html_url') || key.endsWith('_id')) continue;
    const compact = compactPayload(item, depth + 1);
    if (isEmpty(compact)) continue;
    out[key] = compact;
  }
  return out;
}

function isEmpty(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}

/** Long commit ids become git's short form; long text is cut. */
function truncate(text: string): string {
  if (FULL_SHA.test(text)) return text.slice(0, 12);
  if (text.length <= MAX_STRING) return text;
  return `${text.slice(0, MAX_STRING)}… [${text.length - MAX_STRING} more characters]`;
}

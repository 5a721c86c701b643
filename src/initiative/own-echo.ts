import type { Store } from '../store/index.js';

/**
 * vigil does not answer itself (issue 14). Every write vigil makes on GitHub comes back
 * as a webhook; decided again, a comment would be answered by a comment, a label by a
 * label. A delivery is vigil's own when
 *
 * - the text it creates ends with the marker of one of vigil's actions (every comment,
 *   issue and draft pull request vigil writes does: src/github-api/disclosure.ts);
 * - its sender is the login vigil acts as — learnt from the author GitHub named on
 *   vigil's last write (the worker records it, kv `github.actingLogin`: the daemon holds
 *   no credential to ask) — and that login is not the owner's: with a personal token vigil
 *   writes as the owner, and the owner's own deliveries must still be decided;
 * - it is a `labeled` delivery for a label a `github.label` action of vigil's added to that
 *   issue or pull request within the last hour (its records know).
 */

/** The marker `withDisclosure` ends every body with (src/github-api/disclosure.ts `actionMarker`). */
const TRAILING_MARKER = /<!--\s*vigil:action:([\w-]+)\s*-->\s*$/;

/** How long after one of vigil's `github.label` actions ran its `labeled` delivery counts as its own. */
export const LABEL_ECHO_MS = 60 * 60_000;

/** Where a delivery holds the text it created: only creations, so an owner's edit of vigil's text is still news. */
const CREATED_TEXT: Record<string, readonly string[]> = {
  'github.issue_comment.created': ['comment', 'body'],
  'github.issues.opened': ['issue', 'body'],
  'github.pull_request.opened': ['pull_request', 'body'],
};

const LABELED = new Set(['github.issues.labeled', 'github.pull_request.labeled']);

export interface OwnEchoWhere {
  store: Store;
  now: number;
  /** `github.ownerLogin`: a sender with this login is the owner, never vigil. */
  ownerLogin?: string | undefined;
}

/** Why the event is vigil's own write coming back, or undefined when it is not. */
export function ownEcho(event: { source: string; kind: string; payload: unknown }, where: OwnEchoWhere): string | undefined {
  if (event.source !== 'github') return undefined;
  return byMarker(event.kind, event.payload, where) ?? bySender(event.payload, where) ?? byLabel(event.kind, event.payload, where);
}

function byMarker(kind: string, payload: unknown, { store }: OwnEchoWhere): string | undefined {
  const path = CREATED_TEXT[kind];
  const body = path ? at(payload, ...path) : undefined;
  if (typeof body !== 'string') return undefined;
  const actionId = TRAILING_MARKER.exec(body)?.[1];
  // Only a marker of an action vigil has: a stranger's copied marker does not silence vigil.
  if (!actionId || !store.actions.get(actionId)) return undefined;
  return `its text carries the marker of vigil's action ${actionId}`;
}

function bySender(payload: unknown, { store, ownerLogin }: OwnEchoWhere): string | undefined {
  const sender = at(payload, 'sender', 'login');
  const acting = store.kv.get('github.actingLogin');
  if (typeof sender !== 'string' || !acting || !sameLogin(sender, acting.login)) return undefined;
  if (!actsAsItself(acting.login, ownerLogin)) return undefined;
  return `sent by ${sender}, the login vigil acts as`;
}

/**
 * Whether the login vigil acts as is its own and not the owner's: a GitHub App's bot
 * (`name[bot]`), or an account other than the configured owner. Without
 * `github.ownerLogin` a plain login may be the owner's personal token: not vigil's alone.
 */
function actsAsItself(login: string, ownerLogin: string | undefined): boolean {
  return login.endsWith('[bot]') || (ownerLogin !== undefined && !sameLogin(login, ownerLogin));
}

function byLabel(kind: string, payload: unknown, { store, now }: OwnEchoWhere): string | undefined {
  if (!LABELED.has(kind)) return undefined;
  const label = at(payload, 'label', 'name');
  const repo = at(payload, 'repository', 'full_name');
  const number = at(payload, 'issue', 'number') ?? at(payload, 'pull_request', 'number');
  if (typeof label !== 'string' || typeof repo !== 'string' || typeof number !== 'number') return undefined;
  const added = store.actions.ranSince('github.label', repo, now - LABEL_ECHO_MS).find((action) => {
    const params = action.params as { number?: unknown; labels?: unknown };
    // GitHub's label names are case-insensitive: "Bug" added is "bug" on the issue.
    const labels = Array.isArray(params.labels) ? params.labels : [];
    return params.number === number && labels.some((l) => typeof l === 'string' && l.toLowerCase() === label.toLowerCase());
  });
  return added ? `the label "${label}" was added by vigil's action ${added.id}` : undefined;
}

/** GitHub logins are case-insensitive. */
function sameLogin(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function at(value: unknown, ...keys: string[]): unknown {
  let here = value;
  for (const key of keys) {
    if (here === null || typeof here !== 'object') return undefined;
    here = (here as Record<string, unknown>)[key];
  }
  return here;
}

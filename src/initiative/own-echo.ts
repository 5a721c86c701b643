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
 * - it reports the effect of one of vigil's actions on that issue or pull request within
 *   the last hour — a label added or removed, an assignee, a review request, a close, a
 *   merge, a reopen (`EFFECTS`; its records know) — whoever GitHub names as the sender.
 */

/** The marker `withDisclosure` ends every body with (src/github-api/disclosure.ts `actionMarker`). */
const TRAILING_MARKER = /<!--\s*vigil:action:([\w-]+)\s*-->\s*$/;

/** How long after one of vigil's actions ran the delivery reporting its effect counts as its own. */
export const ECHO_MS = 60 * 60_000;

/** Where a delivery holds the text it created: only creations, so an owner's edit of vigil's text is still news. */
const CREATED_TEXT: Record<string, readonly string[]> = {
  'github.issue_comment.created': ['comment', 'body'],
  'github.issues.opened': ['issue', 'body'],
  'github.pull_request.opened': ['pull_request', 'body'],
};

/**
 * What one of vigil's GitHub actions causes, by the delivery that reports it: the action,
 * and whether this delivery is that action's effect (same issue or pull request, and the
 * same label, login or state), described for the log. A rerun's CI deliveries are not
 * here: the run's result is news vigil asked for.
 */
interface Effect {
  action: string;
  of: (params: Record<string, unknown>, payload: unknown) => string | undefined;
}

/** `name` (a label, a login) is among `list`, as GitHub compares them: case-insensitively. */
function named(list: unknown, name: unknown): name is string {
  return typeof name === 'string' && Array.isArray(list) && list.some((item) => typeof item === 'string' && item.toLowerCase() === name.toLowerCase());
}

const label = (action: string, verb: string): Effect => ({
  action,
  of: (params, payload) => {
    const name = at(payload, 'label', 'name');
    return named(params.labels, name) ? `the label "${name}" was ${verb} by vigil's action` : undefined;
  },
});
const assigned: Effect = {
  action: 'github.assign',
  of: (params, payload) => {
    const login = at(payload, 'assignee', 'login');
    return named(params.assignees, login) ? `${login} was assigned by vigil's action` : undefined;
  },
};
const reviewRequested: Effect = {
  action: 'github.request_review',
  of: (params, payload) => {
    const login = at(payload, 'requested_reviewer', 'login');
    return named(params.reviewers, login) ? `${login}'s review was requested by vigil's action` : undefined;
  },
};
const state = (action: string, what: string): Effect => ({ action, of: () => `${what} by vigil's action` });

const EFFECTS: Record<string, readonly Effect[]> = {
  'github.issues.labeled': [label('github.label', 'added')],
  'github.pull_request.labeled': [label('github.label', 'added')],
  'github.issues.unlabeled': [label('github.remove_label', 'removed')],
  'github.pull_request.unlabeled': [label('github.remove_label', 'removed')],
  'github.issues.assigned': [assigned],
  'github.pull_request.assigned': [assigned],
  'github.pull_request.review_requested': [reviewRequested],
  'github.issues.closed': [state('github.close', 'it was closed')],
  // A merged pull request is reported closed too.
  'github.pull_request.closed': [state('github.close', 'it was closed'), state('github.merge', 'it was merged')],
  'github.issues.reopened': [state('github.reopen', 'it was reopened')],
  'github.pull_request.reopened': [state('github.reopen', 'it was reopened')],
};

/**
 * What the check asks of a store: synchronous, so the home's SQLite answers directly and
 * a team's PostgreSQL answers from what `echoLookups` says to read first (team-own-echo.ts).
 */
export interface EchoStore {
  /** vigil has an action with this id. */
  hasAction(id: string): boolean;
  /** The login vigil acts as, as its worker last learnt it; undefined when unknown. */
  actingLogin(): string | undefined;
  /** Actions of one kind on one repository that ran (or run) since `since`, newest first. */
  ranSince(action: string, repo: string, since: number): { id: string; params: unknown }[];
}

/** The home's SQLite store as an EchoStore. */
export function storeEchoes(store: Store): EchoStore {
  return {
    hasAction: (id) => store.actions.get(id) !== undefined,
    actingLogin: () => store.kv.get('github.actingLogin')?.login,
    ranSince: (action, repo, since) => store.actions.ranSince(action, repo, since),
  };
}

/**
 * What `ownEcho` will ask about this delivery, for a store that must read it first: the
 * action id its text's marker names, and the action kinds, repository and time whose runs
 * its effect would be.
 */
export function echoLookups(event: { source: string; kind: string; payload: unknown }, now: number): { markerId?: string; ran?: { actions: string[]; repo: string; since: number } } {
  if (event.source !== 'github') return {};
  const path = CREATED_TEXT[event.kind];
  const body = path ? at(event.payload, ...path) : undefined;
  const markerId = typeof body === 'string' ? TRAILING_MARKER.exec(body)?.[1] : undefined;
  const repo = at(event.payload, 'repository', 'full_name');
  const effects = EFFECTS[event.kind];
  return {
    ...(markerId ? { markerId } : {}),
    ...(effects && typeof repo === 'string' ? { ran: { actions: [...new Set(effects.map((e) => e.action))], repo, since: now - ECHO_MS } } : {}),
  };
}

export interface OwnEchoWhere {
  echoes: EchoStore;
  now: number;
  /** `github.ownerLogin`: a sender with this login is the owner, never vigil. */
  ownerLogin?: string | undefined;
}

/** Why the event is vigil's own write coming back, or undefined when it is not. */
export function ownEcho(event: { source: string; kind: string; payload: unknown }, where: OwnEchoWhere): string | undefined {
  if (event.source !== 'github') return undefined;
  return byMarker(event.kind, event.payload, where) ?? bySender(event.payload, where) ?? byEffect(event.kind, event.payload, where);
}

function byMarker(kind: string, payload: unknown, { echoes }: OwnEchoWhere): string | undefined {
  const path = CREATED_TEXT[kind];
  const body = path ? at(payload, ...path) : undefined;
  if (typeof body !== 'string') return undefined;
  const actionId = TRAILING_MARKER.exec(body)?.[1];
  // Only a marker of an action vigil has: a stranger's copied marker does not silence vigil.
  if (!actionId || !echoes.hasAction(actionId)) return undefined;
  return `its text carries the marker of vigil's action ${actionId}`;
}

function bySender(payload: unknown, { echoes, ownerLogin }: OwnEchoWhere): string | undefined {
  const sender = at(payload, 'sender', 'login');
  const acting = echoes.actingLogin();
  if (typeof sender !== 'string' || !acting || !sameLogin(sender, acting)) return undefined;
  if (!actsAsItself(acting, ownerLogin)) return undefined;
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

function byEffect(kind: string, payload: unknown, { echoes, now }: OwnEchoWhere): string | undefined {
  const effects = EFFECTS[kind];
  const repo = at(payload, 'repository', 'full_name');
  const number = at(payload, 'issue', 'number') ?? at(payload, 'pull_request', 'number');
  if (!effects || typeof repo !== 'string' || typeof number !== 'number') return undefined;
  const merged = at(payload, 'pull_request', 'merged') === true;
  for (const effect of effects) {
    // A closed pull request is a merge's effect only when merged, a close's only when not.
    if (kind === 'github.pull_request.closed' && merged !== (effect.action === 'github.merge')) continue;
    for (const action of echoes.ranSince(effect.action, repo, now - ECHO_MS)) {
      const params = action.params as Record<string, unknown>;
      const what = params.number === number ? effect.of(params, payload) : undefined;
      if (what) return `${what} ${action.id}`;
    }
  }
  return undefined;
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

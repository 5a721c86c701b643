import type { ActionRecord, Store, ThreadDecision } from '../store/index.js';

/**
 * Thread memory: what vigil decided and did before about the subject of the event being
 * decided (an issue, a pull request, a commit), with each action's outcome — the link it
 * left, why it failed, that the owner said no or never answered. Without it a second
 * comment on an issue looks like a first one, and the model greets it twice.
 *
 * Short and capped: the prompt's dynamic part is paid for on every call. Every text here
 * came from a model, a payload or a result, so the prompt fences it.
 */
export interface ThreadMemory {
  /** "octo/app#7" or "octo/app@<sha>". */
  subject: string;
  /** Oldest first. */
  lines: string[];
}

const DEFAULT_LIMIT = 10;
const MAX_TEXT = 100;
const MAX_GIST = 60;
const MAX_URL = 200;

interface Item {
  at: number;
  /** Decisions before the actions they proposed, which share their time. */
  rank: number;
  line: string;
}

/**
 * The newest `limit` decisions that proposed something and actions about `subject`, one
 * line each, oldest first. Decisions that proposed nothing are left out: they say little
 * (most events need nothing), and a busy issue's many would crowd out what was done.
 */
export function threadMemory(store: Store, subject: string, limit = DEFAULT_LIMIT): ThreadMemory {
  return threadLines(subject, store.decisions.aboutSubject(subject, limit, true), store.actions.aboutSubject(subject, limit), limit);
}

/**
 * The same from a store that answers asynchronously (a team's PostgreSQL): `about` reads
 * the newest `limit` decisions that proposed something and actions, newest first.
 */
export async function threadMemoryOf(about: ThreadReader, subject: string, limit = DEFAULT_LIMIT): Promise<ThreadMemory> {
  const [decisions, actions] = await Promise.all([about.decisions(subject, limit), about.actions(subject, limit)]);
  return threadLines(subject, decisions, actions, limit);
}

/** What thread memory needs of an action: the SQLite store's record and the team store's both have it. */
export type ThreadAction = Pick<ActionRecord, 'id' | 'decisionId' | 'action' | 'params' | 'state' | 'reason' | 'createdAt' | 'answeredBy' | 'result' | 'error'>;

/** Where thread memory reads from: the newest first, `limit` at most, decisions only those that proposed something. */
export interface ThreadReader {
  decisions(subject: string, limit: number): Promise<ThreadDecision[]>;
  actions(subject: string, limit: number): Promise<ThreadAction[]>;
}

/** Both lists newest first, as the stores give them. */
function threadLines(subject: string, decisions: readonly ThreadDecision[], actions: readonly ThreadAction[], limit: number): ThreadMemory {
  // Reversed, a stable sort keeps one decision's actions in the order proposed.
  const items: Item[] = [
    ...[...decisions].reverse().map((d) => ({ at: d.createdAt, rank: d.id * 2, line: decisionLine(d) })),
    ...[...actions].reverse().map((a) => ({ at: a.createdAt, rank: (a.decisionId ?? 0) * 2 + 1, line: actionLine(a) })),
  ];
  items.sort((a, b) => a.at - b.at || a.rank - b.rank);
  return { subject: displaySubject(subject), lines: items.slice(-limit).map((i) => i.line) };
}

function decisionLine(d: ThreadDecision): string {
  return `${stamp(d.createdAt)} decided ${clip(d.kind, MAX_GIST)}: ${clip(d.summary, MAX_TEXT)}`;
}

function actionLine(a: ThreadAction): string {
  const gist = paramsGist(a.params);
  return `${stamp(a.createdAt)} ${clip(a.action, MAX_GIST)} ${a.id}${gist ? ` "${gist}"` : ''} → ${outcome(a)}`;
}

/** Where the action stands, and for a finished one how it ended. */
export function outcome(a: Pick<ThreadAction, 'state' | 'result' | 'error' | 'answeredBy' | 'reason'>): string {
  switch (a.state) {
    case 'proposed':
      return 'proposed';
    case 'awaiting_approval':
      return 'awaits the owner';
    case 'approved':
      return 'approved, not run yet';
    case 'running':
      return 'running';
    case 'succeeded': {
      const said = resultText(a.result);
      return said ? `done: ${said}` : 'done';
    }
    case 'failed':
      return `failed: ${clip(a.error, MAX_TEXT)}`;
    case 'denied':
      return a.answeredBy ? 'denied by the owner' : `refused by the policy: ${clip(a.reason, MAX_TEXT)}`;
    case 'expired':
      return 'expired unanswered';
  }
}

/** What a result says in a few words: the link it left (comment, issue, draft pull request), or why nothing changed. */
export function resultText(result: unknown): string | undefined {
  const link = resultLink(result);
  if (link) return link;
  const r = result && typeof result === 'object' ? (result as Record<string, unknown>) : {};
  if (r.changed === false && typeof r.summary === 'string') return `no changes (${clip(r.summary, MAX_TEXT)})`;
  if (Array.isArray(r.labels)) return `labels ${clip(r.labels.filter((l) => typeof l === 'string').join(', '), MAX_GIST)}`;
  return undefined;
}

/** The URL a result points at: a comment's or an issue's (`url`), an agent task's draft pull request. */
export function resultLink(result: unknown): string | undefined {
  const r = result && typeof result === 'object' ? (result as Record<string, unknown>) : {};
  const pull = r.pullRequest && typeof r.pullRequest === 'object' ? (r.pullRequest as Record<string, unknown>).url : undefined;
  for (const candidate of [pull, r.url]) {
    if (typeof candidate === 'string' && candidate.length <= MAX_URL && /^https?:\/\/\S+$/.test(candidate)) return candidate;
  }
  return undefined;
}

/** The words that tell one action from another of its kind: a title, the labels, the start of a body. */
function paramsGist(params: unknown): string {
  const p = params && typeof params === 'object' ? (params as Record<string, unknown>) : {};
  for (const key of ['title', 'labels', 'body', 'instructions', 'note', 'text']) {
    const value = p[key];
    if (typeof value === 'string' && value.trim()) return clip(value, MAX_GIST).replace(/"/g, "'");
    if (Array.isArray(value) && value.length) return clip(value.map(String).join(', '), MAX_GIST).replace(/"/g, "'");
  }
  return '';
}

/** A commit's subject shows git's short form. */
export function displaySubject(key: string): string {
  return key.replace(/@([0-9a-f]{12})[0-9a-f]{28}$/, '@$1');
}

function clip(value: unknown, max: number): string {
  const text = String(value ?? '').replace(/\s+/g, ' ').trim();
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** UTC to the minute, like the prompt's `Now`: a thread spans days. */
function stamp(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16)}Z`;
}

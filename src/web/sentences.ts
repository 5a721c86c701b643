import { durationForPeople } from '../for-people.js';
import { OWNER_INSTRUCTION } from '../initiative/index.js';
import type { LogEntry } from '../logs/index.js';

/**
 * Log records said in the owner's words, one sentence each (issue 17): "Issue #12 opened
 * in octo/app", "vigil proposed the label “bug” on octo/app#12 · waiting for you". Every
 * word of a sentence that came from outside (a title, a label, a summary) is plain text
 * here; the page escapes it.
 */

export type Tone = 'info' | 'wait' | 'ok' | 'bad';

export interface Sentence {
  ts: string;
  type: string;
  text: string;
  tone: Tone;
  /** Where the outcome is on GitHub (or the draft pull request), when there is one. */
  link?: string;
  /** The approval this sentence asks for, while it is still open. */
  approvalId?: string;
}

const NOUNS: Record<string, string> = {
  issues: 'Issue',
  issue_comment: 'Comment',
  pull_request: 'Pull request',
  pull_request_review: 'Review',
  pull_request_review_comment: 'Review comment',
  pull_request_review_thread: 'Review thread',
  check_run: 'Check run',
  check_suite: 'Check suite',
  workflow_run: 'Workflow run',
  workflow_job: 'Workflow job',
  status: 'Commit status',
  push: 'Push',
  release: 'Release',
  discussion: 'Discussion',
  discussion_comment: 'Discussion comment',
};

const MAX_QUOTE = 90;
/** The proposal that carries vigil's answer to an instruction back to the owner (threads.ts names it so). */
export const OWNER_REPLY = 'owner.reply';
/** The owner's question is shown whole up to here: it is theirs, and the answer only makes sense beside it. */
const MAX_ASKED = 400;
const REPO_NAME = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

/** `octo/app#12` → repo and "#12"; `octo/app@<sha>` → repo and the short sha. */
export function splitSubject(subject: string | undefined): { repo?: string; ref?: string } {
  if (!subject) return {};
  const m = /^([^#@\s]+\/[^#@\s]+)([#@])(.+)$/.exec(subject);
  if (!m) return /^[^/\s]+\/[^/\s]+$/.test(subject) ? { repo: subject } : {};
  return { repo: m[1]!, ref: m[2] === '#' ? `#${m[3]}` : m[3]!.slice(0, 7) };
}

/** What arrived: "Issue #12 opened in octo/app", "Check run completed for 1a2b3c4 in octo/app", "A scheduled tick". */
export function eventSentence(kind: string, subject: string | undefined): string {
  if (kind === 'tick' || kind.startsWith('tick.')) return 'A tick: vigil looked around on its schedule';
  const [source, event = '', ...rest] = kind.split('.');
  if (source !== 'github') return `${kind} arrived`;
  const noun = NOUNS[event] ?? capitalise(event.replace(/_/g, ' '));
  const verb = rest.join(' ').replace(/_/g, ' ') || 'arrived';
  const { repo, ref } = splitSubject(subject);
  if (!repo) return `${noun} ${verb} on GitHub`;
  if (!ref) return `${noun} ${verb} in ${repo}`;
  if (ref.startsWith('#')) {
    const onThing = event === 'issues' || event === 'pull_request' ? `${noun} ${ref} ${verb}` : `${noun} ${verb} on ${ref}`;
    return `${onThing} in ${repo}`;
  }
  return `${noun} ${verb} for ${ref} in ${repo}`;
}

/** A proposal as an object of "vigil proposed …". */
export function proposalPhrase(action: string, params: unknown): string {
  const p = (params ?? {}) as Record<string, unknown>;
  const where = typeof p.repo === 'string' ? `${p.repo}${typeof p.number === 'number' ? `#${p.number}` : ''}` : 'GitHub';
  switch (action) {
    case 'github.label': {
      const labels = Array.isArray(p.labels) ? p.labels.map((l) => `“${String(l)}”`) : [];
      return `the label${labels.length > 1 ? 's' : ''} ${labels.join(', ') || '(none)'} on ${where}`;
    }
    case 'github.comment':
      return `a comment on ${where}: ${quote(p.body)}`;
    case 'github.create_issue':
      return `a new issue in ${where}: ${quote(p.title)}`;
    case 'notify':
      return `a notification: ${quote(p.title)}`;
    case 'memory.note':
      return `a note in memory: ${quote(p.text)}`;
    case 'remind':
      return `a reminder for ${String(p.at ?? 'later')}: ${quote(p.note)}`;
    case 'agent.task':
      return `an agent task in ${where}: ${quote(p.instructions)}`;
    case OWNER_REPLY:
      return p.via === 'github' ? 'to post the answer as a reply on GitHub' : 'to send you the answer as a notification';
    default:
      return `${action} ${clip(JSON.stringify(p) ?? '', MAX_QUOTE)}`;
  }
}

/** Where a finished action can be seen: its result's URL, or the issue it labelled. */
export function outcomeLink(result: unknown, githubWebUrl: string): string | undefined {
  const r = (result ?? {}) as Record<string, unknown>;
  for (const key of ['url', 'html_url', 'htmlUrl', 'pullRequest']) {
    const value = r[key];
    if (typeof value === 'string' && /^https?:\/\//.test(value)) return value;
  }
  if (typeof r.repo === 'string' && typeof r.number === 'number' && REPO_NAME.test(r.repo) && !r.repo.includes('..')) {
    return `${githubWebUrl}/${r.repo}/issues/${r.number}`;
  }
  return undefined;
}

/**
 * One record as a sentence. `proposal` is the decision's proposal a fate record answers
 * (the fate records name the action, the decision holds what it was).
 */
export function sentenceOf(
  entry: LogEntry,
  ctx: { subject?: string; proposal?: { action: string; params: unknown }; asked?: { text: string; via: string }; githubWebUrl: string },
): Sentence {
  const f = entry as Record<string, unknown>;
  const s = (text: string, tone: Tone = 'info', link?: string): Sentence => ({ ts: entry.ts, type: entry.type, text, tone, ...(link ? { link } : {}) });
  const str = (key: string) => clip(String(f[key] ?? ''), 200);
  const what = () => (ctx.proposal ? proposalPhrase(ctx.proposal.action, ctx.proposal.params) : String(f.action ?? 'an action'));
  switch (entry.type) {
    case 'event.received':
      if (f.kind === OWNER_INSTRUCTION) {
        return s(ctx.asked ? `You asked vigil ${by(ctx.asked.via)}: “${clip(ctx.asked.text.replace(/\s+/g, ' ').trim(), MAX_ASKED)}”` : 'You asked vigil something');
      }
      return s(eventSentence(String(f.kind ?? ''), ctx.subject));
    case 'owner.instruction': {
      const n = Number(f.proposals) || 0;
      return s(n > 0 ? `vigil took it as your instruction and proposed ${n} action${n > 1 ? 's' : ''}` : 'vigil took it as your instruction');
    }
    case 'decision.made': {
      if (f.kind === OWNER_INSTRUCTION) return s(`vigil answered: ${clip(String(f.summary ?? ''), MAX_ASKED)}`, 'ok');
      const others = Array.isArray(f.coalesced) ? f.coalesced.length : 0;
      const together = others > 0 ? ` (with ${others} more event${others > 1 ? 's' : ''} decided together)` : '';
      return f.act === true
        ? s(`vigil decided to act${together}: ${str('summary')}`)
        : s(`vigil decided nothing needs doing${together}: ${str('summary')}`);
    }
    case 'decision.failed':
      return s(`Deciding failed (${str('error')}); vigil tries again at ${shortTime(String(f.retryAt ?? ''))}`, 'bad');
    case 'decision.invalid':
      return s(`The model's answer did not fit (${str('error')})${f.retrying ? '; it was asked once more' : ''}`, 'bad');
    case 'decision.recovered':
      return s('The model answered in text; vigil read its decision from it');
    case 'decision.tool':
      return s(`vigil looked before deciding: ${str('tool')} ${clip(String(f.args ?? ''), 80)}${f.error ? ' (refused)' : ''}`);
    case 'event.own':
      return s(`Set aside: vigil's own doing (${str('reason')})`);
    case 'event.skipped':
      return s(`Set aside: ${str('reason')}`);
    case 'event.filtered':
      return s(`Filtered out: ${str('reason')}`);
    case 'approval.requested':
      return s(`vigil proposed ${proposalPhrase(String(f.action), f.params)} · waiting for you`, 'wait');
    case 'action.allowed':
      return s(`vigil proposed ${what()} · the policy allows it`);
    case 'action.denied':
      return s(`vigil proposed ${what()} · the policy refused it (${str('reason')})`, 'bad');
    case 'approval.granted':
      return s(`You approved it (${by(f.by)})`, 'ok');
    case 'approval.denied':
      return s(`You denied it (${by(f.by)})`, 'bad');
    case 'approval.expired':
      return s('Nobody answered in time: the approval expired', 'bad');
    case 'action.started':
      return s(`Running ${String(f.action ?? 'it')}${Number(f.attempt) > 1 ? `, attempt ${String(f.attempt)}` : ''}`);
    case 'action.succeeded': {
      const link = outcomeLink(f.result, ctx.githubWebUrl);
      return s(`Done: ${doneWords(String(f.action ?? ''), f.result)}`, 'ok', link);
    }
    case 'action.failed':
      return s(`Failed: ${str('error')}`, 'bad');
    case 'action.released':
      return s(`Given up: ${str('reason')}`, 'bad');
    case 'agent.started':
      return s(`An agent started working on branch ${str('branch')} (${str('mode')})`);
    case 'agent.refused':
      return s(`The agent was refused ${str('tool')}: ${str('reason')}`);
    case 'agent.cancel_requested':
      return s('You asked the agent to stop');
    case 'agent.finished': {
      const pr = typeof f.pullRequest === 'string' && /^https?:\/\//.test(f.pullRequest) ? f.pullRequest : undefined;
      return s(f.changed ? `The agent finished: a draft pull request with ${Array.isArray(f.files) ? f.files.length : 0} file(s)` : `The agent finished without changes: ${str('summary')}`, 'ok', pr);
    }
    case 'notify.sent':
      return s(`Told you: ${quote(f.title)}`);
    case 'dream.started':
      return s('vigil began dreaming (tidying its memory)');
    case 'dream.finished':
      return s(`vigil finished dreaming: ${Number(f.added)} fact(s) added, ${Number(f.updated)} updated, ${Number(f.removed)} removed in ${durationForPeople(Number(f.durationMs) || 0)}`, 'ok');
    case 'dream.failed':
      return s(`Dreaming failed: ${str('error')}`, 'bad');
    default:
      return s(genericSentence(entry), entry.type.endsWith('failed') || entry.type.endsWith('crashed') ? 'bad' : 'info');
  }
}

function doneWords(action: string, result: unknown): string {
  const r = (result ?? {}) as Record<string, unknown>;
  switch (action) {
    case 'github.label':
      return 'the label is on GitHub';
    case 'github.comment':
      return 'the comment is on GitHub';
    case 'github.create_issue':
      return 'the issue is on GitHub';
    case 'notify':
      return Array.isArray(r.channels) && r.channels.length ? `sent through ${r.channels.map(String).join(', ')}` : 'sent (no channel reached)';
    case 'memory.note':
      return 'noted in memory';
    case 'remind':
      return 'the reminder is set';
    default:
      return action;
  }
}

/** Records with no sentence of their own: the type in words and its main fields. */
function genericSentence(entry: LogEntry): string {
  const words = entry.type.replace(/[._]/g, ' ');
  const f = entry as Record<string, unknown>;
  const detail = ['reason', 'error', 'title', 'summary', 'task']
    .map((k) => f[k])
    .find((v): v is string => typeof v === 'string' && v.length > 0);
  return capitalise(detail ? `${words}: ${clip(detail, 200)}` : words);
}

const CHANNELS: Record<string, string> = { cli: 'from the command line', dashboard: 'on the dashboard', push: 'from a notification', desktop: 'from a desktop popup' };
const by = (value: unknown) => CHANNELS[String(value)] ?? String(value ?? '');

function quote(value: unknown): string {
  return `“${clip(String(value ?? '').replace(/\s+/g, ' ').trim(), MAX_QUOTE)}”`;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function shortTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toTimeString().slice(0, 5);
}

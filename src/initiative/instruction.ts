import { VigilError } from '../errors.js';
import type { InboxEvent } from '../store/index.js';

/**
 * The owner's voice (issue 15): what the owner says to vigil is decided as instructions,
 * never as third-party data. It comes two ways: `vigil ask` / `POST /api/ask` (an inbox
 * event of source `owner`, kind `owner.instruction`), or a GitHub comment that mentions
 * vigil's handle — an instruction only when GitHub names the owner as its sender (the
 * delivery's signature vouches for that); anyone else's mention stays data.
 */

export const OWNER_SOURCE = 'owner';
export const OWNER_INSTRUCTION = 'owner.instruction';
/** An instruction longer than this is refused at the door: it is a question, not a document. */
export const MAX_INSTRUCTION_CHARS = 4000;

export type InstructionChannel = 'cli' | 'dashboard' | 'github';

/** What `vigil ask` and `POST /api/ask` store as the event's payload. */
export interface AskPayload {
  text: string;
  via: 'cli' | 'dashboard';
}

/** The owner's words as `vigil ask` and `POST /api/ask` store them (SQLite or a team); VIGIL_ERR_ASK when empty or too long. */
export function askPayload(text: unknown, via: AskPayload['via']): AskPayload {
  if (typeof text !== 'string' || !text.trim() || text.length > MAX_INSTRUCTION_CHARS) {
    throw new VigilError('VIGIL_ERR_ASK', `got ${typeof text === 'string' ? `${text.length} characters` : typeof text}`);
  }
  return { text: text.trim(), via };
}

/** How long `POST /api/ask` waits for the decision by default, and at most. */
const ASK_WAIT_SECONDS = 120;
const ASK_MAX_WAIT_SECONDS = 600;

/** The wait a `POST /api/ask` body asks for (`wait`, seconds), in milliseconds. */
export function askWaitMs(wait: unknown): number {
  return (typeof wait === 'number' && wait > 0 ? Math.min(wait, ASK_MAX_WAIT_SECONDS) : ASK_WAIT_SECONDS) * 1000;
}

/** Who counts as the owner on GitHub, and the name a comment mentions to speak to vigil. */
export interface OwnerVoice {
  /** `owner.login` (or `github.ownerLogin`). Without it, no GitHub comment is an instruction. */
  login?: string | undefined;
  /** `owner.handle`, default `vigil`: a comment must mention `@handle`. */
  handle: string;
}

export interface Instruction {
  text: string;
  via: InstructionChannel;
  /** The issue or pull request a GitHub instruction is about: the reply goes there. */
  thread?: { repo: string; number: number; title?: string; url?: string };
  /** The GitHub login that spoke (the owner's). */
  login?: string;
}

export type Heard =
  | { from: 'owner'; instruction: Instruction }
  | { from: 'third-party'; login: string; repo: string; number: number };

/** Comment deliveries that can speak to vigil. */
const COMMENT_KINDS = new Set(['github.issue_comment.created', 'github.pull_request_review_comment.created']);

/** The owner's voice in this event, a third party's mention, or nothing. */
export function hear(event: Pick<InboxEvent, 'source' | 'kind'>, payload: unknown, voice: OwnerVoice): Heard | undefined {
  if (event.source === OWNER_SOURCE && event.kind === OWNER_INSTRUCTION) {
    const ask = payload as Partial<AskPayload>;
    if (typeof ask.text !== 'string') return undefined;
    return { from: 'owner', instruction: { text: ask.text, via: ask.via === 'dashboard' ? 'dashboard' : 'cli' } };
  }
  if (event.source !== 'github' || !COMMENT_KINDS.has(event.kind)) return undefined;
  const p = (payload ?? {}) as GithubComment;
  const body = p.comment?.body;
  const login = p.sender?.login;
  const repo = p.repository?.full_name;
  const thread = p.issue ?? p.pull_request;
  if (typeof body !== 'string' || typeof login !== 'string' || typeof repo !== 'string' || typeof thread?.number !== 'number') return undefined;
  if (!mentions(body, voice.handle)) return undefined;
  if (!isOwner(login, p, voice)) return { from: 'third-party', login, repo, number: thread.number };
  return {
    from: 'owner',
    instruction: {
      text: body.slice(0, MAX_INSTRUCTION_CHARS),
      via: 'github',
      login,
      thread: {
        repo,
        number: thread.number,
        ...(typeof thread.title === 'string' ? { title: thread.title } : {}),
        ...(typeof thread.html_url === 'string' ? { url: thread.html_url } : {}),
      },
    },
  };
}

interface GithubComment {
  comment?: { body?: unknown };
  sender?: { login?: unknown };
  repository?: { full_name?: unknown; owner?: { login?: unknown; type?: unknown } };
  installation?: { id?: unknown };
  issue?: { number?: unknown; title?: unknown; html_url?: unknown };
  pull_request?: { number?: unknown; title?: unknown; html_url?: unknown };
}

/**
 * `owner.login`; and with a GitHub App (the delivery names an installation), the account
 * the App is installed on when that is a user — the owner of a repository of that user.
 * An organisation never comments, so an organisation's installation adds no one.
 */
function isOwner(login: string, p: GithubComment, voice: OwnerVoice): boolean {
  if (voice.login && login.toLowerCase() === voice.login.toLowerCase()) return true;
  const owner = p.repository?.owner;
  return p.installation?.id !== undefined && owner?.type === 'User' && typeof owner.login === 'string' && owner.login.toLowerCase() === login.toLowerCase();
}

/** `@handle` as a whole mention: not `@handle-bot`, not `me@handle.dev`. */
export function mentions(body: string, handle: string): boolean {
  const name = handle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\w@.-])@${name}(?![\\w-])`, 'i').test(body);
}

/** The event as the prompt shows it: a GitHub instruction's thread (third-party: its title), not the comment twice. */
export function instructionEventPayload(instruction: Instruction): unknown {
  return { via: instruction.via, ...(instruction.thread ? { thread: instruction.thread } : {}), ...(instruction.login ? { from: instruction.login } : {}) };
}

/** One proposal's fate, for the owner's answer. */
export interface ProposalFate {
  action: string;
  params: unknown;
  state: 'approved' | 'awaiting_approval' | 'denied';
  actionId: string;
  reason: string;
}

/** The answer the owner reads: the decision's summary, then what it proposed and what became of each. */
export function answerText(summary: string, fates: readonly ProposalFate[]): string {
  const lines = [summary.trim() || '(no summary)'];
  if (fates.length) {
    lines.push('', 'Proposed:');
    for (const f of fates) lines.push(`- ${f.action} ${JSON.stringify(f.params)}: ${fateWords(f)}`);
  }
  return lines.join('\n');
}

function fateWords(f: ProposalFate): string {
  if (f.state === 'approved') return 'allowed, running';
  if (f.state === 'awaiting_approval') return `awaits your approval (vigil approve ${f.actionId})`;
  return `refused by the policy: ${f.reason}`;
}

/** The answer's way back: a reply comment on the thread where the owner spoke on GitHub, else a notification. */
export function replyProposal(instruction: Instruction, text: string) {
  const rationale = "the answer to the owner's instruction";
  if (instruction.thread) {
    const { repo, number } = instruction.thread;
    return { action: 'github.comment', params: { repo, number, body: text }, rationale };
  }
  return { action: 'notify', params: { title: 'vigil answers', body: text.slice(0, 4000) }, rationale };
}

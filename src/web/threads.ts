import { renderEntry, type LogEntry } from '../logs/index.js';
import { OWNER_INSTRUCTION } from '../initiative/index.js';
import { OWNER_REPLY, sentenceOf, splitSubject, type Sentence } from './sentences.js';

/**
 * The timeline as threads (issue 17): what belongs together in one place — an event (or
 * the events decided together), its decision, each proposal with the policy's answer,
 * the owner's answer and the outcome. Records of an action name the action, not the
 * event: the store says which event an action came from (`eventOfAction`); a decision's
 * proposal records follow its `decision.made` in the log in the decision's order (one
 * transaction, src/initiative), which says which proposal each one answers.
 */

/** Where a thread stands, as the outcome filter offers it. */
export const THREAD_STATES = ['waiting', 'running', 'done', 'failed', 'denied', 'quiet', 'skipped', 'deciding', 'note'] as const;
export type ThreadState = (typeof THREAD_STATES)[number];

export interface Thread {
  /** `e<eventId>` for an event's thread, `a<actionId>` for an action with no event, `n<seq>` (`n<node>.<seq>` on a team) for a lone record. */
  id: string;
  first: string;
  last: string;
  /** The kind filter's value: the GitHub event (`issues`, `pull_request`, …), `tick`, or `vigil` for its own records. */
  family: string;
  repo?: string;
  state: ThreadState;
  sentences: Sentence[];
  /** The records as `vigil log` prints them, for the raw toggle. */
  raw: { type: string; text: string }[];
}

export interface ThreadContext {
  /** The event an action came from (the store's actions table). */
  eventOfAction(actionId: string): number | undefined;
  /** The subject (`owner/repo#12`) decided for each event (the store's decisions table). */
  subjectsOf(eventIds: number[]): Map<number, string>;
  /** The owner's words of an `owner.instruction` event (the Ask box, `vigil ask`): the log holds only that it came. */
  instructionOf?(eventId: number): { text: string; via: string } | undefined;
  githubWebUrl: string;
  now: number;
}

interface Building {
  id: string;
  entries: LogEntry[];
  eventId?: number;
  kind?: string;
}

const FATES = new Set(['action.allowed', 'approval.requested', 'action.denied']);

/** Threads of these records (in log order), newest activity first. */
export function buildThreads(entries: LogEntry[], ctx: ThreadContext): Thread[] {
  const threads = new Map<string, Building>();
  const alias = new Map<number, number>();
  const actionEvent = new Map<string, number | undefined>();
  // Proposals of the newest decision still waiting for their fate records, in order.
  let awaiting: { eventId: number; proposals: { action: string; params: unknown }[] } | undefined;
  const proposalOf = new Map<string, { action: string; params: unknown }>();

  let lastLone: string | undefined;
  let lastTouched: string | undefined;
  const threadOf = (id: string): Building => {
    lastTouched = id;
    return threads.get(id) ?? threads.set(id, { id, entries: [] }).get(id)!;
  };
  const eventThread = (eventId: number): Building => {
    const main = alias.get(eventId) ?? eventId;
    const t = threadOf(`e${main}`);
    t.eventId = main;
    return t;
  };
  const eventOf = (actionId: string): number | undefined => {
    if (!actionEvent.has(actionId)) actionEvent.set(actionId, ctx.eventOfAction(actionId));
    return actionEvent.get(actionId);
  };

  for (const entry of entries) {
    const f = entry as Record<string, unknown>;
    if (entry.type === 'decision.made' && typeof f.eventId === 'number') {
      const main = f.eventId;
      for (const other of Array.isArray(f.coalesced) ? (f.coalesced as unknown[]) : []) {
        if (typeof other !== 'number' || other === main) continue;
        alias.set(other, main);
        const before = threads.get(`e${other}`);
        if (before) {
          threads.delete(before.id);
          eventThread(main).entries.push(...before.entries);
        }
      }
      const proposals = f.act === true && Array.isArray(f.proposals) ? (f.proposals as { action: string; params: unknown }[]) : [];
      awaiting = proposals.length ? { eventId: main, proposals: [...proposals] } : undefined;
      const t = eventThread(main);
      t.kind ??= String(f.kind ?? '');
      t.entries.push(entry);
      continue;
    }
    if (typeof f.eventId === 'number') {
      // The answer to an owner's instruction goes back through the policy right after this record (src/initiative).
      if (entry.type === OWNER_INSTRUCTION) awaiting = { eventId: f.eventId, proposals: [{ action: OWNER_REPLY, params: { via: f.via } }] };
      const t = eventThread(f.eventId);
      if (entry.type === 'event.received' || !t.kind) t.kind = String(f.kind ?? t.kind ?? '');
      t.entries.push(entry);
      continue;
    }
    if (typeof f.actionId === 'string') {
      const actionId = f.actionId;
      let eventId = eventOf(actionId);
      if (FATES.has(entry.type) && awaiting) {
        const proposal = awaiting.proposals.shift()!;
        proposalOf.set(actionId, proposal);
        eventId ??= awaiting.eventId;
        if (awaiting.proposals.length === 0) awaiting = undefined;
      }
      (eventId !== undefined ? eventThread(eventId) : threadOf(`a${actionId}`)).entries.push(entry);
      continue;
    }
    // vigil's own records in a row (a start, a login, the worker) make one thread: one node's
    // (on a team, two nodes' starts side by side are two threads).
    const lone = lastLone && lastTouched === lastLone && threads.get(lastLone)!.entries.at(-1)?.node === (entry as { node?: string }).node ? lastLone : loneId(entry);
    threadOf(lone).entries.push(entry);
    lastLone = lone;
    lastTouched = lone;
    continue;
  }

  const building = [...threads.values()];
  const subjects = ctx.subjectsOf(building.flatMap((t) => (t.eventId === undefined ? [] : [t.eventId])));
  const position = new Map(entries.map((entry, i) => [entry, i]));
  return building
    .map((t) => finish(t, t.eventId === undefined ? undefined : subjects.get(t.eventId), proposalOf, ctx, position))
    .sort((a, b) => (a.last < b.last ? 1 : a.last > b.last ? -1 : 0));
}

/**
 * A lone record's thread: by its seq, which a reload keeps (the page redraws a thread in
 * place by its id); on a team, the seq of its node's chain — every chain counts from 1.
 */
function loneId(entry: LogEntry): string {
  const node = (entry as { node?: unknown }).node;
  return typeof node === 'string' ? `n${node}.${entry.seq}` : `n${entry.seq}`;
}

function finish(t: Building, subject: string | undefined, proposalOf: Map<string, { action: string; params: unknown }>, ctx: ThreadContext, position: Map<LogEntry, number>): Thread {
  // Events decided together join the thread when their decision comes: back in log order
  // (the order given, which on a team is every chain merged by time, not one chain's seq).
  t.entries.sort((a, b) => position.get(a)! - position.get(b)!);
  const lastOf = new Map<string, string>();
  for (const entry of t.entries) {
    const actionId = (entry as Record<string, unknown>).actionId;
    if (typeof actionId === 'string') lastOf.set(actionId, entry.type);
  }
  const asked = t.eventId !== undefined && t.kind === OWNER_INSTRUCTION ? ctx.instructionOf?.(t.eventId) : undefined;
  const sentences = t.entries.map((entry) => {
    const actionId = (entry as Record<string, unknown>).actionId;
    const proposal = typeof actionId === 'string' ? proposalOf.get(actionId) : undefined;
    const sentence = sentenceOf(entry, { ...(subject ? { subject } : {}), ...(proposal ? { proposal } : {}), ...(asked ? { asked } : {}), githubWebUrl: ctx.githubWebUrl });
    // A question nobody answered yet carries its buttons.
    if (entry.type === 'approval.requested' && typeof actionId === 'string') {
      if (lastOf.get(actionId) === entry.type) sentence.approvalId = actionId;
      else sentence.text = sentence.text.replace(/ · waiting for you$/, ' · asked you first');
    }
    return sentence;
  });
  const repo = splitSubject(subject).repo ?? repoOfParams(t.entries);
  const kind = t.kind ?? '';
  return {
    id: t.id,
    first: t.entries[0]!.ts,
    last: t.entries.at(-1)!.ts,
    family: t.eventId === undefined ? 'vigil' : kind.startsWith('github.') ? (kind.split('.')[1] ?? 'github') : kind.split('.')[0] || 'vigil',
    ...(repo ? { repo } : {}),
    state: stateOf(t),
    sentences,
    raw: t.entries.map((e) => ({ type: e.type, text: renderEntry(e, ctx.now) })),
  };
}

/** Where a thread stands: an open question first, then work under way, then how it ended. */
function stateOf(t: Building): ThreadState {
  const actions = new Map<string, string>();
  let decided: boolean | undefined;
  let setAside = false;
  let decideFailed = false;
  for (const entry of t.entries) {
    const f = entry as Record<string, unknown>;
    if (typeof f.actionId === 'string') actions.set(f.actionId, entry.type);
    else if (entry.type === 'decision.made') decided = f.act === true;
    else if (entry.type === 'event.own' || entry.type === 'event.skipped' || entry.type === 'event.filtered') setAside = true;
    else if (entry.type === 'decision.failed') decideFailed = true;
  }
  const last = [...actions.values()];
  if (t.eventId === undefined && last.length === 0) return 'note';
  if (last.includes('approval.requested')) return 'waiting';
  if (last.some((type) => ['action.allowed', 'approval.granted', 'action.started', 'agent.started', 'agent.cancel_requested', 'agent.refused'].includes(type))) return 'running';
  if (last.some((type) => type === 'action.failed' || type === 'action.released')) return 'failed';
  if (last.some((type) => type === 'action.succeeded' || type === 'agent.finished')) return 'done';
  if (last.length > 0) return 'denied';
  if (setAside) return 'skipped';
  if (decided !== undefined) return 'quiet';
  return decideFailed ? 'failed' : 'deciding';
}

function repoOfParams(entries: LogEntry[]): string | undefined {
  for (const entry of entries) {
    const f = entry as Record<string, unknown>;
    const params = (f.params ?? f) as Record<string, unknown>;
    if (typeof params.repo === 'string' && /^[^/\s]+\/[^/\s]+$/.test(params.repo)) return params.repo;
  }
  return undefined;
}

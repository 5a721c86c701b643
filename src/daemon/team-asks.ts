import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../clock.js';
import { VigilError } from '../errors.js';
import { eventRecord } from '../events.js';
import { MAX_INSTRUCTION_CHARS, OWNER_INSTRUCTION, OWNER_SOURCE, type AskPayload, type OwnerAnswer } from '../initiative/index.js';
import type { PgStore } from '../store/index.js';

export interface TeamAskDeps {
  store: PgStore;
  clock: Clock;
  /** The node's decisions look at the inbox now rather than at their next poll. */
  wake(): void;
  /** How often the waiting request looks for the answer; a test may shorten it. */
  pollMs?: number;
  /** Ends the wait early (the node is stopping). */
  signal?: AbortSignal;
}

/** Between looks at the decisions table: a decision takes a model call, seconds; a quarter second is not felt. */
const POLL_MS = 250;

/**
 * `POST /api/ask` on a team node (issue 19 with issue 15): the owner's words become an
 * `owner.instruction` event in the shared inbox, with its `event.received` line in this
 * node's chain, in one transaction. Any node may decide it — as on SQLite, alone, with the
 * decision tools, its answer going back as a notification through the policy — and that
 * node writes the answer with the decision (`decisions.answer`, pg-015). This node waits
 * for it by looking at the table: the request's node and the deciding node need share
 * nothing but the database. At `waitMs` the request fails VIGIL_ERR_ASK_TIMEOUT and the
 * event stays in the inbox, to be decided and answered by notification all the same.
 */
export async function askTeam(deps: TeamAskDeps, text: unknown, via: AskPayload['via'], waitMs: number): Promise<OwnerAnswer> {
  if (typeof text !== 'string' || !text.trim() || text.length > MAX_INSTRUCTION_CHARS) {
    throw new VigilError('VIGIL_ERR_ASK', `got ${typeof text === 'string' ? `${text.length} characters` : typeof text}`);
  }
  const { store, clock } = deps;
  const payload: AskPayload = { text: text.trim(), via };
  const eventId = await store.transaction(async (tx) => {
    const id = await store.inbox.addEvent(tx, OWNER_SOURCE, OWNER_INSTRUCTION, Buffer.from(JSON.stringify(payload)));
    await store.log.append(tx, [eventRecord('event.received', { eventId: id, source: OWNER_SOURCE, kind: OWNER_INSTRUCTION }, clock.now())]);
    return id;
  });
  deps.wake();
  const deadline = performance.now() + waitMs;
  for (;;) {
    const answer = await store.decisions.answerTo(eventId);
    if (answer !== undefined) return answer as OwnerAnswer;
    const left = deadline - performance.now();
    if (left <= 0) break;
    try {
      await sleep(Math.min(deps.pollMs ?? POLL_MS, left), undefined, deps.signal ? { signal: deps.signal } : undefined);
    } catch {
      throw pending(eventId, `the node is stopping; event ${eventId} stays in the inbox and is answered by notification`);
    }
  }
  throw pending(eventId, `event ${eventId} was not decided within ${Math.round(waitMs / 1000)} s`);
}

/** VIGIL_ERR_ASK_TIMEOUT naming its event, so a page can look for the answer later (src/web/team-page-routes.ts). */
function pending(eventId: number, detail: string): VigilError & { eventId: number } {
  return Object.assign(new VigilError('VIGIL_ERR_ASK_TIMEOUT', detail), { eventId });
}

import type { Clock } from '../clock.js';
import { VigilError } from '../errors.js';
import { eventRecord } from '../events.js';
import { askPayload, OWNER_INSTRUCTION, OWNER_SOURCE, type AskPayload, type OwnerAnswer } from '../initiative/index.js';
import type { PgStore } from '../store/index.js';
import { pollUntil } from './poll-until.js';

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
  const payload = askPayload(text, via);
  const { store, clock } = deps;
  const eventId = await store.transaction(async (tx) => {
    const id = await store.inbox.addEvent(tx, OWNER_SOURCE, OWNER_INSTRUCTION, Buffer.from(JSON.stringify(payload)));
    await store.log.append(tx, [eventRecord('event.received', { eventId: id, source: OWNER_SOURCE, kind: OWNER_INSTRUCTION }, clock.now())]);
    return id;
  });
  deps.wake();
  const answer = await pollUntil(() => store.decisions.answerTo(eventId), { budgetMs: waitMs, everyMs: deps.pollMs ?? POLL_MS, ...(deps.signal ? { signal: deps.signal } : {}) });
  if (answer !== undefined) return answer as OwnerAnswer;
  if (deps.signal?.aborted) throw pending(eventId, `the node is stopping; event ${eventId} stays in the inbox and is answered by notification`);
  throw pending(eventId, `event ${eventId} was not decided within ${Math.round(waitMs / 1000)} s`);
}

/** VIGIL_ERR_ASK_TIMEOUT naming its event, so a page can look for the answer later (src/web/team-page-routes.ts). */
function pending(eventId: number, detail: string): VigilError & { eventId: number } {
  return Object.assign(new VigilError('VIGIL_ERR_ASK_TIMEOUT', detail), { eventId });
}

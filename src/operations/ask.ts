import { eventRecord } from '../events.js';
import { askPayload, OWNER_INSTRUCTION, OWNER_SOURCE, type AskPayload } from '../initiative/index.js';
import type { OperationDeps } from './deps.js';

/**
 * `vigil ask` and `POST /api/ask`: the owner's words become an `owner.instruction` event
 * in the inbox, with its `event.received` line, in one transaction. The initiative
 * decides it with the words as instructions (src/initiative/instruction.ts).
 */
export function recordInstruction(deps: OperationDeps, text: unknown, via: AskPayload['via']): { eventId: number } {
  const payload = askPayload(text, via);
  const { store, journal, clock } = deps;
  const now = clock.now();
  const eventId = store.transaction(() => {
    const { id } = store.inbox.add({ source: OWNER_SOURCE, kind: OWNER_INSTRUCTION, payload: JSON.stringify(payload), receivedAt: now });
    journal.stage(eventRecord('event.received', { eventId: id, source: OWNER_SOURCE, kind: OWNER_INSTRUCTION }, now));
    return id;
  });
  journal.flush();
  return { eventId };
}

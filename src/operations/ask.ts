import { VigilError } from '../errors.js';
import { eventRecord } from '../events.js';
import { MAX_INSTRUCTION_CHARS, OWNER_INSTRUCTION, OWNER_SOURCE, type AskPayload } from '../initiative/index.js';
import type { OperationDeps } from './deps.js';

/**
 * `vigil ask` and `POST /api/ask`: the owner's words become an `owner.instruction` event
 * in the inbox, with its `event.received` line, in one transaction. The initiative
 * decides it with the words as instructions (src/initiative/instruction.ts).
 */
export function recordInstruction(deps: OperationDeps, text: unknown, via: AskPayload['via']): { eventId: number } {
  if (typeof text !== 'string' || !text.trim() || text.length > MAX_INSTRUCTION_CHARS) {
    throw new VigilError('VIGIL_ERR_ASK', `got ${typeof text === 'string' ? `${text.length} characters` : typeof text}`);
  }
  const { store, journal, clock } = deps;
  const now = clock.now();
  const payload: AskPayload = { text: text.trim(), via };
  const eventId = store.transaction(() => {
    const { id } = store.inbox.add({ source: OWNER_SOURCE, kind: OWNER_INSTRUCTION, payload: JSON.stringify(payload), receivedAt: now });
    journal.stage(eventRecord('event.received', { eventId: id, source: OWNER_SOURCE, kind: OWNER_INSTRUCTION }, now));
    return id;
  });
  journal.flush();
  return { eventId };
}

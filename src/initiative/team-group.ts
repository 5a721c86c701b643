import type { Decision } from '../model/index.js';
import type { PgEvent } from '../store/index.js';
import { hear, type Instruction, type OwnerVoice } from './instruction.js';
import type { Decided, ThirdParty } from './team-commit.js';
import { rulesFirst, type TriageConfig } from './triage.js';

/**
 * Rules first, model second, per delivery (issue 14, as initiative.ts does on SQLite): of
 * a group a node claimed, vigil's own echoes and skipped kinds are set aside one by one
 * and a rule marked `"decide": "rules"` decides one alone; what is left goes to the model
 * as one event. The owner speaking (`@vigil` in a comment GitHub says the owner wrote,
 * instruction.ts) goes to the model whatever a rule says — a rule cannot answer them — and
 * is decided alone; anyone else's `@vigil` stays data, and its line says so.
 */

/** One event left for the model. */
export interface ForModel {
  event: PgEvent;
  payload: unknown;
  /** The owner's words this event carries. */
  instruction?: Instruction;
  /** Someone else's `@vigil`: decided as data. */
  thirdParty?: ThirdParty;
}

export interface SortedGroup {
  /** Set aside or decided by a rule: committed before the model is asked. */
  decided: Decided[];
  forModel: ForModel[];
}

export interface GroupSorting {
  triage: TriageConfig;
  voice: OwnerVoice;
  /** vigil's own write coming back: set aside (team-own-echo.ts). */
  ownEcho: (event: PgEvent) => Promise<Decided | undefined>;
  /** A rule's decision, checked against the decide schema. */
  checked: (event: PgEvent, decision: Decision) => Decision;
}

export async function sortGroup(events: readonly PgEvent[], how: GroupSorting): Promise<SortedGroup> {
  const sorted: SortedGroup = { decided: [], forModel: [] };
  for (const event of events) {
    const own = await how.ownEcho(event);
    if (own) {
      sorted.decided.push(own);
      continue;
    }
    const payload = parseBody(event);
    const routed = rulesFirst(event, payload, how.triage);
    if (routed.route === 'skipped') {
      sorted.decided.push({ event, setAside: { type: 'event.skipped', reason: routed.reason } });
      continue;
    }
    const heard = hear(event, payload, how.voice);
    const mention = heard?.from === 'third-party' ? { eventId: event.id, login: heard.login, repo: heard.repo, number: heard.number } : undefined;
    if (heard?.from === 'owner') sorted.forModel.push({ event, payload, instruction: heard.instruction });
    else if (routed.route === 'rules') sorted.decided.push({ event, decision: how.checked(event, routed.decision), result: { model: 'rules' }, ...(mention ? { mentions: [mention] } : {}) });
    else sorted.forModel.push({ event, payload, ...(mention ? { thirdParty: mention } : {}) });
  }
  return sorted;
}

/** The intake stored only JSON: a body that no longer parses is not for a rule nor a model. */
export function parseBody(event: PgEvent): unknown {
  try {
    return JSON.parse(event.body.toString('utf8')) as unknown;
  } catch {
    return null;
  }
}
